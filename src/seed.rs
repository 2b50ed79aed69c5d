//! Bootstrap data: the first system administrator and the demo district.

use anyhow::{anyhow, bail, Context};
use base64::Engine;
use hamkke_domain::org::{DistrictCode, NewOrganization, OrgKind};
use hamkke_domain::password;
use hamkke_domain::user::{NewUser, Role, User, Username};
use hamkke_persistence::repo::{benefit_types, orgs, users};
use hamkke_persistence::uow;
use hamkke_persistence::{Db, RepoError};
use rand::RngCore;

/// Creates a `system_admin` in the built-in system organization.
pub fn create_admin(
    db: &Db,
    username: &str,
    display_name: &str,
    password_raw: &str,
) -> anyhow::Result<User> {
    let username = Username::parse(username).map_err(|e| anyhow!("username: {e:?}"))?;
    password::check(password_raw, username.as_str()).map_err(|_| anyhow!("the password does not meet the policy: at least 10 characters, not a common password, not containing the username"))?;
    let hash = hamkke_http::auth::hash_password(password_raw)
        .map_err(|_| anyhow!("cannot hash the password"))?;
    let mut conn = db.get().map_err(|e| anyhow!("{e}"))?;
    uow::system(&mut conn, "seed", |conn| {
        let system = orgs::system_org(conn)?;
        users::insert_unchecked(
            conn,
            &NewUser {
                username: username.clone(),
                display_name: display_name.to_owned(),
                password_hash: hash.clone(),
                org_id: system.id,
                role: Role::SystemAdmin,
                activation: None,
            },
        )
    })
    .map_err(|e| match e {
        RepoError::Conflict { .. } => anyhow!("a user named {} already exists", username.as_str()),
        other => anyhow!("cannot create the administrator: {other}"),
    })
}

fn generated_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "hk-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Seeds demo district 11440 (마포구): a district office, three dong centres, two welfare
/// centres, a partner agency and one user per role. Prints `username password` lines once.
pub fn demo(db: &Db) -> anyhow::Result<()> {
    let mut conn = db.get().map_err(|e| anyhow!("{e}"))?;
    let district = DistrictCode::parse("11440").map_err(|e| anyhow!("{e:?}"))?;
    let org = |name: &str, kind: OrgKind, parent_id, hub_org_id| NewOrganization {
        admin_dong_code: None,
        name: name.into(),
        kind,
        district_code: district.clone(),
        parent_id,
        hub_org_id,
    };
    let accounts = [
        ("demo.admin", "시스템 관리자", Role::SystemAdmin, 0usize),
        (
            "demo.coordinator",
            "구 희망복지지원단 조정자",
            Role::Coordinator,
            1,
        ),
        ("demo.auditor", "구 감사 담당", Role::Auditor, 1),
        ("demo.dong", "동 맞춤형복지팀 주무관", Role::Caseworker, 2),
        ("demo.dong.lead", "동 맞춤형복지팀장", Role::Supervisor, 2),
        ("demo.welfare", "복지관 사례관리자", Role::Caseworker, 5),
        ("demo.welfare.admin", "복지관 관리자", Role::OrgAdmin, 5),
        ("demo.partner", "보건소 담당", Role::Caseworker, 7),
    ];
    let mut printed = Vec::new();
    uow::system(&mut conn, "seed", |conn| -> anyhow::Result<()> {
        let exists = users::username_exists(conn, "demo.coordinator")?;
        if exists {
            bail!("the demo district is already seeded");
        }
        let system = orgs::system_org(conn)?;
        let office = orgs::insert_unchecked(
            conn,
            &org("마포구청 (demo)", OrgKind::DistrictOffice, None, None),
        )?;
        let welfare1 = orgs::insert_unchecked(
            conn,
            &org(
                "마포종합사회복지관 (demo)",
                OrgKind::WelfareCenter,
                None,
                None,
            ),
        )?;
        let welfare2 = orgs::insert_unchecked(
            conn,
            &org(
                "성산종합사회복지관 (demo)",
                OrgKind::WelfareCenter,
                None,
                None,
            ),
        )?;
        let dong1 = orgs::insert_unchecked(
            conn,
            &NewOrganization {
                admin_dong_code: Some("1144055500".into()),
                ..org(
                    "공덕동 주민센터 (demo)",
                    OrgKind::DongCenter,
                    Some(office.id),
                    Some(welfare1.id),
                )
            },
        )?;
        let dong2 = orgs::insert_unchecked(
            conn,
            &NewOrganization {
                admin_dong_code: Some("1144056500".into()),
                ..org(
                    "아현동 주민센터 (demo)",
                    OrgKind::DongCenter,
                    Some(office.id),
                    Some(welfare1.id),
                )
            },
        )?;
        let dong3 = orgs::insert_unchecked(
            conn,
            &NewOrganization {
                admin_dong_code: Some("1144069000".into()),
                ..org(
                    "성산1동 주민센터 (demo)",
                    OrgKind::DongCenter,
                    Some(office.id),
                    Some(welfare2.id),
                )
            },
        )?;
        let partner = orgs::insert_unchecked(
            conn,
            &org("마포구 보건소 (demo)", OrgKind::PartnerAgency, None, None),
        )?;
        let by_index = [
            system.id,
            office.id,
            dong1.id,
            dong2.id,
            dong3.id,
            welfare1.id,
            welfare2.id,
            partner.id,
        ];
        for (username, display, role, org_index) in accounts {
            let pw = generated_password();
            let hash = hamkke_http::auth::hash_password(&pw)
                .map_err(|_| anyhow!("cannot hash a password"))?;
            let name = Username::parse(username).map_err(|e| anyhow!("{e:?}"))?;
            let exists = users::username_exists(conn, username)?;
            if exists {
                continue;
            }
            users::insert_unchecked(
                conn,
                &NewUser {
                    username: name,
                    display_name: display.into(),
                    password_hash: hash,
                    org_id: by_index[org_index],
                    role,
                    activation: None,
                },
            )?;
            printed.push(format!("{username} {pw} {}", role.as_str()));
        }
        Ok(())
    })
    .context("seeding the demo district")?;
    println!("# demo users (username password role); shown once");
    for line in printed {
        println!("{line}");
    }
    Ok(())
}

/// Loads the standard benefit types into a district and says what it did.
pub fn benefit_types(db: &Db, district_code: &str) -> anyhow::Result<()> {
    let district = DistrictCode::parse(district_code)
        .map_err(|_| anyhow!("--district-code must be a five-digit district code, e.g. 11440"))?;
    let mut conn = db.get().map_err(|e| anyhow!("{e}"))?;
    let ctx = hamkke_persistence::audit::AuditCtx {
        request_id: Some("cli:seed-benefit-types".into()),
        ..Default::default()
    };
    let report = benefit_types::seed_standard(&mut conn, &ctx, district.as_str())
        .map_err(|e| anyhow!("cannot seed the benefit types: {e}"))?;
    println!(
        "benefit types of district {}: {} added, {} already there",
        district.as_str(),
        report.added,
        report.already_there
    );
    Ok(())
}
