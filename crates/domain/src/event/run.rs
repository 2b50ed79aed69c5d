//! Runs over many records — an allocation import, a retention run, a key rotation — each
//! recorded once, as it ends, with its counts. The records a run changes are their own events
//! (an import's allocations), or are the run's (retention's and rotation's mass changes).

use serde_json::{json, Value};
use uuid::Uuid;

use super::AuditKind;

/// A kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// An organization's list of allocations, imported (일괄 등록).
    AllocationImport,
    /// Personal data past its retention period anonymised, old audit events purged.
    Retention,
    /// Personal data re-encrypted under new keys.
    KeyRotation,
}

/// One run, ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCompleted {
    pub run: Run,
    /// The run's own id (its audit event's resource id).
    pub id: Uuid,
    /// Its counts: numbers and codes only, never personal data.
    pub details: Value,
}

impl From<RunCompleted> for super::DomainEvent {
    fn from(r: RunCompleted) -> Self {
        Self::RunCompleted(r)
    }
}

impl RunCompleted {
    /// A new run of this kind with these counts.
    pub fn new(run: Run, details: Value) -> Self {
        Self {
            run,
            id: Uuid::now_v7(),
            details,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.run {
            Run::AllocationImport => "allocation_import.completed",
            Run::Retention => "retention.completed",
            Run::KeyRotation => "person_keys.rotated",
        }
    }

    pub fn title(&self, korean: bool) -> String {
        let (ko, en) = match self.run {
            Run::AllocationImport => (
                "지원 내역 일괄 등록이 끝났습니다",
                "An allocation import finished",
            ),
            Run::Retention => (
                "보존 기간이 지난 정보를 정리했습니다",
                "A retention run finished",
            ),
            Run::KeyRotation => (
                "개인정보 암호화 키를 교체했습니다",
                "Personal data keys were rotated",
            ),
        };
        if korean { ko } else { en }.to_owned()
    }

    /// The audit event: an import creates, retention deletes, a rotation updates (the same
    /// resource types the runs were audited under before they were events).
    pub fn audit(&self) -> (AuditKind, &'static str, Uuid, Value) {
        let (kind, resource) = match self.run {
            Run::AllocationImport => (AuditKind::Create, "allocation_import"),
            Run::Retention => (AuditKind::Delete, "retention"),
            Run::KeyRotation => (AuditKind::Update, "person_keys"),
        };
        (kind, resource, self.id, self.details.clone())
    }

    pub fn payload(&self) -> Value {
        json!({ "run_id": self.id })
    }
}
