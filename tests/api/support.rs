//! Test harness: a fresh database per test on each backend, an in-process app, helpers.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use diesel::prelude::*;
use diesel::{Connection, PgConnection, RunQueryDsl};
use futures_util::future::LocalBoxFuture;
use hamkke_http::auth::JwtKeys;
use hamkke_http::db::DbHandle;
use hamkke_http::{AppState, Config};
use hamkke_persistence::{migrate, Db};
use serde_json::{json, Value};

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend: `both!(name);` after `async fn name(b: Backend)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )+};
}

pub const TEST_SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
pub const PASSWORD: &str = "correct-horse-battery-7";

fn pg_base_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

fn admin_conn() -> PgConnection {
    let url = pg_base_url();
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {url} ({e}). Database tests run on both backends and are \
             never skipped: start it with `pg_ctlcluster --skip-systemctl-redirect 15 main start` \
             or point TEST_DATABASE_URL at a server where this user may create databases."
        )
    })
}

fn migrations_hash() -> u64 {
    let mut h = DefaultHasher::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("migrations dir")
        .flat_map(|d| std::fs::read_dir(d.expect("entry").path()).expect("migration dir"))
        .map(|f| f.expect("file").path())
        .collect();
    files.sort();
    for f in files {
        f.file_name().hash(&mut h);
        std::fs::read(&f).expect("read migration").hash(&mut h);
    }
    h.finish()
}

/// A migrated template database, built once per migration set and cloned for every test.
fn pg_template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("hamkke_tpl_{:016x}", migrations_hash());
        let mut admin = admin_conn();
        diesel::sql_query("SELECT pg_advisory_lock(734201)")
            .execute(&mut admin)
            .expect("lock");
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result::<Count>(&mut admin)
        .expect("query")
        .n > 0;
        if !exists {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .expect("drop");
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .expect("create template");
            {
                let db = Db::connect(
                    &with_db_name(&pg_base_url(), &building),
                    1,
                    Duration::from_secs(10),
                )
                .expect("connect template");
                let mut conn = db.get().expect("conn");
                migrate::run(&mut conn).expect("migrate template");
            }
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .expect("rename");
        }
        diesel::sql_query("SELECT pg_advisory_unlock(734201)")
            .execute(&mut admin)
            .expect("unlock");
        name
    })
}

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    sqlite_path: Option<PathBuf>,
}

impl TestDb {
    /// An empty database, not even migrated (for tests of the migrations themselves).
    pub fn empty(backend: Backend) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => Self::new(backend),
            Backend::Postgres => {
                let name = format!("hamkke_e_{id}");
                let mut admin = admin_conn();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create database");
                TestDb {
                    url: with_db_name(&pg_base_url(), &name),
                    pg_name: Some(name),
                    sqlite_path: None,
                }
            }
        }
    }

    pub fn new(backend: Backend) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("hamkke-test-{id}.db"));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    pg_name: None,
                    sqlite_path: Some(path),
                }
            }
            Backend::Postgres => {
                static CLONE: Mutex<()> = Mutex::new(());
                let template = pg_template();
                let name = format!("hamkke_t_{id}");
                {
                    let _guard = CLONE.lock().unwrap_or_else(|p| p.into_inner());
                    let mut admin = admin_conn();
                    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                        .execute(&mut admin)
                        .expect("clone template");
                }
                let url = with_db_name(&pg_base_url(), &name);
                // A clone keeps its template's catalogue identity; this process talks to many
                // databases at once (a server talks to one), so each gets its own, or their
                // catalogue caches would take each other's versions for their own.
                let mut conn = diesel::PgConnection::establish(&url).expect("connect to clone");
                diesel::sql_query(format!(
                    "UPDATE catalogue_version SET database_id = '{name}'"
                ))
                .execute(&mut conn)
                .expect("catalogue identity");
                TestDb {
                    url,
                    pg_name: Some(name),
                    sqlite_path: None,
                }
            }
        }
    }
}

impl TestDb {
    /// Everything the database holds, as text: `pg_dump` of the PostgreSQL database, or the
    /// bytes of the SQLite file and its write-ahead log.
    pub fn dump(&self) -> String {
        if self.pg_name.is_some() {
            let out = std::process::Command::new("pg_dump")
                .arg("--no-owner")
                .arg(&self.url)
                .output()
                .expect("pg_dump runs");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        let mut all = Vec::new();
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal"] {
                if let Ok(bytes) = std::fs::read(format!("{}{suffix}", path.display())) {
                    all.extend(bytes);
                }
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&pg_base_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

type Call = Rc<dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, ServiceResponse>>;

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent (for binary exports).
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the response is a problem document with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        for key in ["type", "title", "detail"] {
            assert!(
                self.body[key].is_string(),
                "problem lacks {key}: {}",
                self.text
            );
        }
    }

    /// The field errors as `(field, code)` pairs.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_owned(),
                            e["code"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Everything the server logged during this test binary's run (JSON lines), for scans.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

pub fn log_buffer() -> &'static std::sync::Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<std::sync::Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || CaptureWriter(sink.clone()))
            .try_init();
        buf
    })
}

struct CaptureWriter(std::sync::Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The running application with its own database.
pub struct TestApp {
    call: Call,
    /// The serving state (its limits and slots).
    pub state: AppState,
    /// Every response body this app sent, for scans.
    pub transcript: std::cell::RefCell<Vec<String>>,
    pub db: DbHandle,
    config: Config,
    /// Dropped with the app, which drops the database.
    _tdb: TestDb,
    pub admin_token: String,
}

async fn service(
    handle: &DbHandle,
    config: &Config,
    keys: hamkke_persistence::crypto::PersonKeys,
) -> (Call, AppState) {
    let jwt = JwtKeys::from_config(config).expect("jwt");
    let state = AppState::new(handle.clone(), jwt, keys, config.clone()).expect("state");
    let svc = Rc::new(test::init_service(hamkke_http::build(state.clone())).await);
    let call: Call = Rc::new(move |req| {
        let svc = svc.clone();
        Box::pin(async move {
            match svc.call(req).await {
                Ok(res) => res.map_into_boxed_body(),
                Err(e) => panic!("service error: {e}"),
            }
        })
    });
    (call, state)
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    pub async fn with_config(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::with_setup(backend, tweak, |_| {}).await
    }

    /// Like `with_config`, with `setup` run on the migrated database before anything else
    /// (e.g. to plant events dated years ago at the start of the audit chain).
    pub async fn with_setup(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        setup: impl FnOnce(&mut hamkke_persistence::conn::DbConn),
    ) -> Self {
        Self::on_db(TestDb::new(backend), tweak, setup).await
    }

    /// Serves `tdb` (migrated to the current schema first) with `setup` run after migrating.
    pub async fn on_db(
        tdb: TestDb,
        tweak: impl FnOnce(&mut Config),
        setup: impl FnOnce(&mut hamkke_persistence::conn::DbConn),
    ) -> Self {
        log_buffer();
        let mut config = Config::embedded(&tdb.url);
        config.jwt_secret = Some(TEST_SECRET.into());
        config.login_per_minute = 1000;
        config.login_per_username_per_minute = 1000;
        config.db_pool_size = 4;
        tweak(&mut config);
        let db = Db::connect(
            &tdb.url,
            config.db_pool_size,
            Duration::from_secs(config.db_timeout_secs),
        )
        .expect("connect");
        {
            let mut conn = db.get().expect("conn");
            migrate::run(&mut conn).expect("migrate");
            setup(&mut conn);
        }
        let reports = hamkke_http::db::report_pool(&config).expect("report pool");
        let handle = DbHandle::with_batches(db, config.audit_batch)
            .with_report_pool(reports)
            .with_inline_reads(config.inline_reads());
        let keys = hamkke_persistence::crypto::PersonKeys::new([3; 32], [5; 32]);
        let (call, state) = service(&handle, &config, keys).await;
        let mut app = TestApp {
            call,
            state,
            transcript: Default::default(),
            db: handle,
            config,
            _tdb: tdb,
            admin_token: String::new(),
        };
        let admin_password = PASSWORD;
        let db = app.db.inner().clone();
        actix_web::web::block(move || crate::support::create_admin(&db, "root", admin_password))
            .await
            .expect("block");
        app.admin_token = app.login("root", PASSWORD).await;
        app
    }

    /// The same app and database, serving with other RRN keys (as after a restart with
    /// rotated keys).
    pub async fn rekeyed(mut self, keys: hamkke_persistence::crypto::PersonKeys) -> Self {
        (self.call, self.state) = service(&self.db, &self.config, keys).await;
        self
    }

    /// The database's URL (for server processes on the same database).
    pub fn url(&self) -> &str {
        &self._tdb.url
    }

    /// The database's whole content as text (see `TestDb::dump`).
    pub fn dump(&self) -> String {
        self._tdb.dump()
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, req: TestRequest) -> Resp {
        let res = (self.call)(req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.transcript
            .borrow_mut()
            .push(format!("{headers:?} {text}"));
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
            raw: bytes.to_vec(),
        }
    }

    pub fn req(method: Method, path: &str, token: Option<&str>) -> TestRequest {
        let mut r = TestRequest::default()
            .method(method)
            .uri(path)
            .peer_addr("10.1.2.3:40000".parse().expect("addr"));
        if let Some(t) = token {
            r = r.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        r
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let r = self.send(Self::req(Method::GET, path, token)).await;
        record_example("GET", path, None, &r);
        r
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        let r = self
            .send(Self::req(Method::POST, path, token).set_json(&body))
            .await;
        record_example("POST", path, Some(&body), &r);
        r
    }

    pub async fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Value,
    ) -> Resp {
        let mut r = Self::req(Method::PATCH, path, token).set_json(&body);
        if let Some(v) = if_match {
            r = r.insert_header((header::IF_MATCH, v.to_owned()));
        }
        let r = self.send(r).await;
        record_example("PATCH", path, Some(&body), &r);
        r
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self.login_raw(username, password).await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn login_raw(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/token",
            None,
            json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Creates an organization as the system administrator and returns its id.
    pub async fn org(
        &self,
        name: &str,
        kind: &str,
        district: &str,
        parent: Option<&str>,
    ) -> String {
        let r = self
            .post(
                "/api/v1/organizations",
                Some(&self.admin_token),
                json!({ "name": name, "kind": kind, "district_code": district, "parent_id": parent }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Creates a user as the system administrator (password `PASSWORD`) and returns its id.
    /// Creates a user as the system administrator with an activation code, which the user
    /// redeems with `PASSWORD` (the way every first account of an organization starts).
    pub async fn user(&self, username: &str, org_id: &str, role: &str) -> String {
        let r = self
            .post(
                "/api/v1/users",
                Some(&self.admin_token),
                json!({ "username": username, "display_name": username, "org_id": org_id, "role": role }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let code = r.body["activation_code"].as_str().expect("activation code");
        let a = self
            .post(
                "/api/v1/auth/activate",
                None,
                json!({ "username": username, "activation_code": code, "password": PASSWORD }),
            )
            .await;
        assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Runs the webhook delivery worker once (as the server does every half second).
    pub async fn deliver_webhooks(&self) -> usize {
        let keys = hamkke_persistence::crypto::PersonKeys::new([3; 32], [5; 32]);
        hamkke_http::webhooks::deliver_due(&self.db, &keys, &self.config.webhooks).await
    }

    /// Seals pending audit events and returns the chain report.
    pub async fn audit_report(&self) -> hamkke_persistence::audit::ChainReport {
        hamkke_http::sealer::seal_all(&self.db).await;
        self.db
            .run(hamkke_persistence::audit::verify)
            .await
            .expect("verify")
    }

    /// `POST /resources` with the policy on the resource, as before benefit types: gives the
    /// resource a benefit type of its own carrying `duplicate_policy` and `category` (what
    /// migration 000008 does to every existing resource), then creates the resource.
    pub async fn post_resource(&self, token: &str, mut body: Value) -> Resp {
        use hamkke_domain::allocation::{Category, DuplicatePolicy};
        use hamkke_persistence::repo::benefit_types::{self, NewBenefitType};
        let me = self.get("/api/v1/me", Some(token)).await;
        let district = me.body["organization"]["district_code"]
            .as_str()
            .expect("district")
            .to_owned();
        let obj = body.as_object_mut().expect("object");
        let category = obj.remove("category");
        if let Some(policy) = obj.remove("duplicate_policy") {
            let policy = DuplicatePolicy::from_json(&policy).expect("a coherent policy");
            let category = category
                .as_ref()
                .and_then(|c| c.as_str())
                .and_then(Category::parse)
                .expect("category");
            let name = obj["name"].as_str().unwrap_or("자원").to_owned();
            let new = NewBenefitType {
                code: format!("t_{}", uuid::Uuid::now_v7().simple()),
                name_ko: name.clone(),
                name_en: name,
                category,
                description: None,
                group: None,
                policy,
                amount_unit: "원".into(),
            };
            let t = self
                .db
                .run(move |c| benefit_types::insert_unchecked(c, &district, &new))
                .await
                .expect("benefit type");
            obj.insert("benefit_type_id".into(), json!(t.id));
        }
        self.post("/api/v1/resources", Some(token), body).await
    }

    /// `post_resource` that must succeed; the new resource's id.
    pub async fn resource(&self, token: &str, body: Value) -> String {
        let r = self.post_resource(token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// The newest audit events of an action.
    pub async fn audit_events(
        &self,
        action: &'static str,
    ) -> Vec<hamkke_persistence::audit::AuditRecord> {
        self.db
            .run(move |c| hamkke_persistence::audit::latest(c, Some(action), 100))
            .await
            .expect("audit")
    }
}

/// A district with the usual cast, created through the API.
pub struct District {
    pub office: String,
    pub dong: String,
    pub welfare: String,
    pub other_office: String,
}

impl District {
    pub async fn create(app: &TestApp) -> Self {
        let office = app.org("마포구청", "district_office", "11440", None).await;
        let dong = app
            .org("공덕동 주민센터", "dong_center", "11440", Some(&office))
            .await;
        let welfare = app.org("마포복지관", "welfare_center", "11440", None).await;
        let other_office = app.org("종로구청", "district_office", "11110", None).await;
        District {
            office,
            dong,
            welfare,
            other_office,
        }
    }
}

pub fn create_admin(db: &Db, username: &str, password: &str) {
    use hamkke_domain::user::{NewUser, Role, Username};
    use hamkke_persistence::repo::{orgs, users};
    let hash = hamkke_http::auth::hash_password(password).expect("hash");
    let mut conn = db.get().expect("conn");
    let system = orgs::system_org(&mut conn).expect("system org");
    users::insert_unchecked(
        &mut conn,
        &NewUser {
            username: Username::parse(username).expect("username"),
            display_name: "root".into(),
            password_hash: hash,
            org_id: system.id,
            role: Role::SystemAdmin,
            activation: None,
        },
    )
    .expect("admin");
}

/// Bodies larger than the JSON limit.
pub fn oversized_body() -> Value {
    json!({ "name": "x".repeat(300 * 1024), "kind": "dong_center", "district_code": "11440" })
}

#[allow(dead_code)]
pub fn is_uuid(v: &Value) -> bool {
    v.as_str()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .is_some()
}

#[allow(dead_code)]
pub async fn sleep(ms: u64) {
    actix_web::rt::time::sleep(Duration::from_millis(ms)).await;
}

/// A path template with every `{param}` replaced by a (non-existent) UUID.
pub fn concrete_path(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str("01a2011b-0c7a-75a9-8c6d-20e50d07519d");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Three organizations that share work or must not: a dong centre and a welfare centre of
/// district 11440, and a welfare centre of district 11110, each with a worker; plus the
/// district's coordinator. Tokens are logged in.
pub struct World {
    pub d: District,
    pub far_welfare: String,
    pub dong: String,
    pub welfare: String,
    pub far: String,
    pub coord: String,
    pub dong_user: String,
    pub welfare_user: String,
}

impl World {
    pub async fn create(app: &TestApp) -> Self {
        let d = District::create(app).await;
        let far_welfare = app.org("종로복지관", "welfare_center", "11110", None).await;
        let dong_user = app.user("dong.w", &d.dong, "caseworker").await;
        let welfare_user = app.user("wel.w", &d.welfare, "caseworker").await;
        app.user("far.w", &far_welfare, "caseworker").await;
        app.user("coord", &d.office, "coordinator").await;
        World {
            dong: app.login("dong.w", PASSWORD).await,
            welfare: app.login("wel.w", PASSWORD).await,
            far: app.login("far.w", PASSWORD).await,
            coord: app.login("coord", PASSWORD).await,
            d,
            far_welfare,
            dong_user,
            welfare_user,
        }
    }
}

/// The usual world with the usual case, built in one call so that a test states only what it
/// is about: a person the dong centre registered (phone, address), a live consent naming the
/// welfare centre, and the dong centre's open case for them in which the welfare centre takes
/// part as co-manager.
pub struct Shared {
    pub w: World,
    pub person: String,
    pub case: String,
}

impl Shared {
    pub async fn create(app: &TestApp) -> Self {
        let w = World::create(app).await;
        let person = app.person(&w.dong, "김하나", "1948-03-15", None).await;
        let expires = (chrono::Utc::now() + chrono::Duration::days(180)).to_rfc3339();
        let r = app
            .post(
                &format!("/api/v1/persons/{person}/consents"),
                Some(&w.dong),
                json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let case = app.case(&w.dong, &person).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{case}/participants"),
                Some(&w.dong),
                json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        Shared { w, person, case }
    }
}

/// A response body made stable for a snapshot: ids, times, today's and later dates and case
/// numbers replaced by placeholders (birth dates stay: they are the fixture's).
pub fn stable(v: &Value) -> Value {
    fn date_like(s: &str) -> bool {
        s.len() >= 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s[..4].parse::<i32>().is_ok_and(|y| y >= 2020)
    }
    match v {
        Value::String(s) if uuid::Uuid::parse_str(s).is_ok() => json!("[id]"),
        Value::String(s) if date_like(s) && s.len() > 10 => json!("[time]"),
        Value::String(s) if date_like(s) => json!("[date]"),
        Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "case_no" if !v.is_null() => json!("[case_no]"),
                        _ => stable(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

impl TestApp {
    /// Registers a person and returns its id.
    pub async fn person(
        &self,
        token: &str,
        name: &str,
        birth_date: &str,
        rrn: Option<&str>,
    ) -> String {
        let r = self
            .post("/api/v1/persons", Some(token), json!({ "name": name, "birth_date": birth_date, "rrn": rrn, "phone": "010-1234-5678", "address": "서울 마포구 월드컵로 1" }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Opens a case for a person and returns its id.
    pub async fn case(&self, token: &str, person_id: &str) -> String {
        let r = self
            .post(
                "/api/v1/cases",
                Some(token),
                json!({ "person_id": person_id, "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "혼자 사는 어르신, 난방비 체납" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }
}

/// The birth date (YYYY-MM-DD) a test RRN encodes.
pub fn rrn_birth(rrn: &str) -> String {
    let century = match &rrn[7..8] {
        "1" | "2" | "5" | "6" => "19",
        _ => "20",
    };
    format!("{century}{}-{}-{}", &rrn[0..2], &rrn[2..4], &rrn[4..6])
}

/// With `HAMKKE_RECORD_EXAMPLES=<file>`, every successful JSON exchange of the tests' helpers
/// is appended to that file (one JSON object per line); `tools/examples.py` picks the
/// contract's examples from it, so they are what the server really took and answered.
fn record_example(method: &str, path: &str, request: Option<&Value>, r: &Resp) {
    use std::io::Write;
    static FILE: std::sync::OnceLock<Option<std::sync::Mutex<std::fs::File>>> =
        std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| {
        let path = std::env::var_os("HAMKKE_RECORD_EXAMPLES")?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(std::sync::Mutex::new)
    });
    let Some(file) = file else { return };
    let json = r
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    if !r.status.is_success() || !(json || r.raw.is_empty()) {
        return;
    }
    let line = json!({
        "method": method,
        "path": path,
        "request": request,
        "status": r.status.as_u16(),
        "response": if r.raw.is_empty() { Value::Null } else { r.body.clone() },
    });
    if let Ok(mut f) = file.lock() {
        let _ = writeln!(f, "{line}");
    }
}
