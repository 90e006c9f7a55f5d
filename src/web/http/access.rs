//! Who may do what, by role.

use crate::domain::account::Role;

/// Everyone of the committee may read its records and log complaints.
pub const EVERYONE: &[Role] = &[Role::Admin, Role::Mediator, Role::GridWorker, Role::Staff];
/// Registering and steering cases.
pub const CASE_WORK: &[Role] = &[Role::Admin, Role::Mediator];
/// On-site investigation and measurement, follow-up visits.
pub const FIELD_WORK: &[Role] = &[Role::Admin, Role::Mediator, Role::GridWorker];
/// Sessions, meetings, agreements, referrals.
pub const MEDIATION: &[Role] = &[Role::Admin, Role::Mediator];
/// Recording signatures (staff register paper signatures).
pub const SIGNING: &[Role] = &[Role::Admin, Role::Mediator, Role::Staff];
