//! Webhook subscriptions of organizations and their deliveries. Deliveries are fanned out from
//! the outbox in the transaction of the change (`fan_out`), then sent by the delivery worker:
//! at least once, in order per subscription, with back-off until the give-up period ends.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::event::{Change, DomainEvent, Record, RecordChange};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::audit::AuditCtx;
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::{organizations, webhook_deliveries as d, webhook_subscriptions as s};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Tx;

/// A subscription as its organization's admins see it (never the secret).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    /// `None`: every event type.
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = s)]
struct SubscriptionRow {
    id: DbUuid,
    org_id: DbUuid,
    url: String,
    event_types: Option<String>,
    description: Option<String>,
    active: bool,
    disabled_reason: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            id: r.id.0,
            org_id: r.org_id.0,
            url: r.url,
            event_types: r.event_types.and_then(|t| serde_json::from_str(&t).ok()),
            description: r.description,
            active: r.active,
            disabled_reason: r.disabled_reason,
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

/// One delivery of one event to one subscription.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `gave_up`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = d)]
struct DeliveryRow {
    id: DbUuid,
    subscription_id: DbUuid,
    event_id: DbUuid,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_status: Option<i32>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id.0,
            subscription_id: r.subscription_id.0,
            event_id: r.event_id.0,
            event_type: r.event_type,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: from_db(r.next_attempt_at),
            last_status: r.last_status,
            last_error: r.last_error,
            created_at: from_db(r.created_at),
            delivered_at: r.delivered_at.map(from_db),
        }
    }
}

/// A validated subscription (its URL already checked against the outbound rules).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: String,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// The signing secret, sealed with the data key.
    pub secret_sealed: String,
}

/// A validated change; `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    pub url: Option<String>,
    pub event_types: Option<Option<Vec<String>>>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Subscription> {
    Ok(s::table
        .find(DbUuid(id))
        .select(SubscriptionRow::as_select())
        .first(conn)?
        .into())
}

/// A subscription the actor manages (its organization's admins), else it does not exist.
fn managed(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Subscription> {
    let sub = load(conn, id)?;
    authz::manage_webhooks(actor, sub.org_id)?;
    Ok(sub)
}

/// Records a change to a subscription (its event goes to the organization's own client apps).
fn changed(
    tx: &mut Tx<'_>,
    change: Change,
    id: Uuid,
    details: serde_json::Value,
) -> RepoResult<()> {
    tx.record(
        RecordChange::new(Record::Webhook, change, id)
            .details(details)
            .into(),
        None,
    )?;
    Ok(())
}

/// Subscribes the actor's organization.
pub fn create(tx: &mut Tx<'_>, new: NewSubscription) -> RepoResult<Subscription> {
    let actor = tx.actor();
    authz::manage_webhooks(actor, actor.org_id)?;
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(s::table)
        .values((
            s::id.eq(DbUuid(id)),
            s::org_id.eq(DbUuid(actor.org_id)),
            s::url.eq(&new.url),
            s::event_types.eq(new.event_types.as_ref().map(|t| json!(t).to_string())),
            s::description.eq(&new.description),
            s::secret_sealed.eq(&new.secret_sealed),
            s::active.eq(true),
            s::created_by.eq(DbUuid(actor.user_id)),
            s::version.eq(1),
            s::created_at.eq(now),
            s::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    changed(tx, Change::Created, id, json!({}))?;
    load(tx.conn(), id)
}

/// The actor organization's subscriptions.
pub fn list(conn: &mut DbConn, actor: &Actor) -> RepoResult<Vec<Subscription>> {
    authz::manage_webhooks(actor, actor.org_id)?;
    Ok(s::table
        .filter(scope::webhooks(actor))
        .order(s::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One subscription.
pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Subscription> {
    managed(conn, actor, id)
}

/// Changes a subscription (a re-enabled one starts with its waiting deliveries due now).
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: SubscriptionPatch,
) -> RepoResult<Subscription> {
    let actor = tx.actor();
    let cur = managed(tx.conn(), actor, id)?;
    let active = patch.active.unwrap_or(cur.active);
    crate::update_versioned!(
        tx.conn(),
        webhook_subscriptions,
        id,
        expected_version,
        (
            s::url.eq(patch.url.clone().unwrap_or(cur.url.clone())),
            s::event_types.eq(patch
                .event_types
                .clone()
                .unwrap_or(cur.event_types.clone())
                .map(|t| json!(t).to_string())),
            s::description.eq(patch.description.clone().unwrap_or(cur.description.clone())),
            s::active.eq(active),
            s::disabled_reason.eq(if active {
                None
            } else {
                cur.disabled_reason
                    .clone()
                    .or(Some("disabled by an administrator".into()))
            }),
        )
    )?;
    if active && !cur.active {
        diesel::update(
            d::table
                .filter(d::subscription_id.eq(DbUuid(id)))
                .filter(d::status.eq("pending")),
        )
        .set(d::next_attempt_at.eq(to_db(crate::now())))
        .execute(tx.conn())?;
    }
    changed(tx, Change::Updated, id, json!({ "active": active }))?;
    load(tx.conn(), id)
}

/// Removes a subscription with its deliveries.
pub fn delete(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<()> {
    let actor = tx.actor();
    managed(tx.conn(), actor, id)?;
    diesel::delete(d::table.filter(d::subscription_id.eq(DbUuid(id)))).execute(tx.conn())?;
    diesel::delete(s::table.find(DbUuid(id))).execute(tx.conn())?;
    changed(tx, Change::Removed, id, json!({}))
}

/// A subscription's deliveries, newest first.
pub fn deliveries(
    conn: &mut DbConn,
    actor: &Actor,
    id: Uuid,
    page: PageRequest,
) -> RepoResult<Page<Delivery>> {
    managed(conn, actor, id)?;
    let mut q = d::table
        .filter(d::subscription_id.eq(DbUuid(id)))
        .order(d::id.desc())
        .limit(page.limit + 1)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(before) = page.after {
        q = q.filter(d::id.lt(DbUuid(before)));
    }
    let items: Vec<Delivery> = q.load(conn)?.into_iter().map(Into::into).collect();
    Ok(Page::from_overfetch(items, page.limit, |x| x.id))
}

fn enqueue(
    conn: &mut DbConn,
    subscription: Uuid,
    event_id: Uuid,
    event_type: &str,
    payload: &str,
) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(d::table)
        .values((
            d::id.eq(DbUuid(id)),
            d::subscription_id.eq(DbUuid(subscription)),
            d::event_id.eq(DbUuid(event_id)),
            d::event_type.eq(event_type),
            d::payload.eq(payload),
            d::status.eq("pending"),
            d::attempts.eq(0),
            d::next_attempt_at.eq(now),
            d::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Sends a delivery again (same event and payload, as a new delivery after the others).
pub fn redeliver(tx: &mut Tx<'_>, id: Uuid, delivery_id: Uuid) -> RepoResult<Delivery> {
    let actor = tx.actor();
    managed(tx.conn(), actor, id)?;
    let (event_id, event_type, payload): (DbUuid, String, String) = d::table
        .find(DbUuid(delivery_id))
        .filter(d::subscription_id.eq(DbUuid(id)))
        .select((d::event_id, d::event_type, d::payload))
        .first(tx.conn())?;
    let new = enqueue(tx.conn(), id, event_id.0, &event_type, &payload)?;
    changed(tx, Change::Updated, id, json!({ "redeliver": delivery_id }))?;
    Ok(d::table
        .find(DbUuid(new))
        .select(DeliveryRow::as_select())
        .first(tx.conn())?
        .into())
}

/// Queues a `webhook.test` delivery.
pub fn test(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<Delivery> {
    let actor = tx.actor();
    managed(tx.conn(), actor, id)?;
    let event_id = Uuid::now_v7();
    // The envelope every event has, so a receiver tests what it will parse.
    let payload = json!({
        "type": "webhook.test",
        "timestamp": crate::now(),
        "data": { "subscription_id": id },
    })
    .to_string();
    let new = enqueue(tx.conn(), id, event_id, "webhook.test", &payload)?;
    changed(tx, Change::Updated, id, json!({ "test": new }))?;
    Ok(d::table
        .find(DbUuid(new))
        .select(DeliveryRow::as_select())
        .first(tx.conn())?
        .into())
}

/// Queues an event for every active subscription of the given organizations that takes its
/// type (called by the unit of work, in the transaction of the change).
pub(crate) fn fan_out(
    conn: &mut DbConn,
    event_id: Uuid,
    event_type: &str,
    org_ids: &[Uuid],
    payload: &str,
) -> RepoResult<()> {
    let subs: Vec<(DbUuid, Option<String>)> = s::table
        .filter(in_ids(
            s::org_id,
            org_ids.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ))
        .filter(s::active.eq(true))
        .select((s::id, s::event_types))
        .load(conn)?;
    for (sub, types) in subs {
        let wanted = match types.and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok()) {
            None => true,
            Some(list) => list.iter().any(|t| t == event_type),
        };
        if wanted {
            enqueue(conn, sub.0, event_id, event_type, payload)?;
        }
    }
    Ok(())
}

/// A delivery ready to send, with where and how to sign it.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery_id: Uuid,
    pub subscription_id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    pub secret_sealed: String,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// The deliveries to send now: for each active subscription its oldest pending delivery, if
/// due (later ones wait, so each subscription receives its events in order).
pub fn due(conn: &mut DbConn, limit: i64) -> RepoResult<Vec<Due>> {
    type Row = (
        DbUuid,
        DbUuid,
        DbUuid,
        String,
        String,
        DbUuid,
        String,
        String,
        i32,
        NaiveDateTime,
        NaiveDateTime,
    );
    // The head of each active subscription's queue (its oldest pending delivery: a
    // subscription receives in order), each one lookup on the pending index; then the heads
    // that are due, longest waiting first. One per subscription per round, so a subscriber
    // with a backlog of thousands takes one place like every other and cannot starve the rest.
    let subscriptions: Vec<DbUuid> = d::table
        .inner_join(s::table)
        .filter(d::status.eq("pending"))
        .filter(s::active.eq(true))
        .select(d::subscription_id)
        .distinct()
        .load(conn)?;
    let now = to_db(crate::now());
    let mut rows: Vec<Row> = Vec::new();
    for subscription in subscriptions {
        let head: Option<Row> = d::table
            .inner_join(s::table)
            .filter(d::subscription_id.eq(subscription))
            .filter(d::status.eq("pending"))
            .order(d::id.asc())
            .select((
                d::id,
                d::subscription_id,
                s::org_id,
                s::url,
                s::secret_sealed,
                d::event_id,
                d::event_type,
                d::payload,
                d::attempts,
                d::next_attempt_at,
                d::created_at,
            ))
            .first(conn)
            .optional()?;
        rows.extend(head.filter(|h| h.9 <= now));
    }
    rows.sort_by_key(|r| (r.9, r.0 .0));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let out: Vec<Due> = rows
        .into_iter()
        .map(|r| Due {
            delivery_id: r.0 .0,
            subscription_id: r.1 .0,
            org_id: r.2 .0,
            url: r.3,
            secret_sealed: r.4,
            event_id: r.5 .0,
            event_type: r.6,
            payload: r.7,
            attempts: r.8,
            created_at: from_db(r.10),
        })
        .collect();
    Ok(out)
}

/// Records a successful delivery.
pub fn delivered(conn: &mut DbConn, id: Uuid, status: u16) -> RepoResult<()> {
    diesel::update(d::table.find(DbUuid(id)))
        .set((
            d::status.eq("delivered"),
            d::attempts.eq(d::attempts + 1),
            d::last_status.eq(Some(i32::from(status))),
            d::last_error.eq(None::<String>),
            d::delivered_at.eq(Some(to_db(crate::now()))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub fn failed(
    conn: &mut DbConn,
    id: Uuid,
    status: Option<u16>,
    error: &str,
    next: DateTime<Utc>,
) -> RepoResult<()> {
    diesel::update(d::table.find(DbUuid(id)))
        .set((
            d::attempts.eq(d::attempts + 1),
            d::last_status.eq(status.map(i32::from)),
            d::last_error.eq(Some(error)),
            d::next_attempt_at.eq(to_db(next)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a delivery up after the give-up period: the subscription is disabled and its
/// organization's admins are told.
pub fn give_up(conn: &mut DbConn, due: &Due, error: &str) -> RepoResult<()> {
    crate::uow::system(conn, "webhook_delivery", |conn| {
        diesel::update(d::table.find(DbUuid(due.delivery_id)))
            .set((
                d::status.eq("gave_up"),
                d::attempts.eq(d::attempts + 1),
                d::last_error.eq(Some(error)),
            ))
            .execute(conn)?;
        diesel::update(s::table.find(DbUuid(due.subscription_id)))
            .set((
                s::active.eq(false),
                s::disabled_reason.eq(Some("deliveries failed for the whole retry period")),
                s::version.eq(s::version + 1),
                s::updated_at.eq(to_db(crate::now())),
            ))
            .execute(conn)?;
        // Its organization's admins are told; the change is audited.
        let district: String = organizations::table
            .find(DbUuid(due.org_id))
            .select(organizations::district_code)
            .first(conn)?;
        crate::uow::system_event(
            conn,
            &AuditCtx::job("webhook_delivery"),
            &district,
            DomainEvent::WebhookDisabled {
                subscription_id: due.subscription_id,
                org_id: due.org_id,
            },
            None,
        )?;
        Ok(())
    })
}

/// Checks event type names against the domain's list.
pub fn check_types(types: &[String]) -> Result<(), DomainError> {
    match types
        .iter()
        .position(|t| !hamkke_domain::event::DomainEvent::is_type(t))
    {
        Some(i) => Err(DomainError::invalid(
            &format!("event_types[{i}]"),
            "invalid_value",
            "not an event type of this API (see the contract)",
        )),
        None => Ok(()),
    }
}
