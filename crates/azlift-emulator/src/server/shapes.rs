//! The shapes a long-running operation may answer in, per operation: which ones the REST
//! specs allow (`x-ms-long-running-operation` with the responses each operation lists), the
//! one the emulator uses by default, and the status code each shape answers with. The fault
//! spec's `lro-shape:` item picks another allowed shape (or one at random per request).

use super::App;
use crate::faults::LroShape;

/// A long-running PUT or PATCH may answer in every shape: the create/update operations of
/// the long-running types carry `x-ms-long-running-operation` with no `final-state-via` (the
/// final state is the resource itself), so `Azure-AsyncOperation` (the default),
/// `Location` only, a transitional `provisioningState` the client polls on the resource, and
/// done at once are all valid.
pub const WRITE_SHAPES: [LroShape; 4] = LroShape::ALL;

/// A long-running DELETE answers 202 with `Location` (default), with `Azure-AsyncOperation`
/// too, or 200 when done at once (a DELETE has no resource body to poll).
pub const DELETE_SHAPES: [LroShape; 3] = [
    LroShape::Location,
    LroShape::AsyncOperation,
    LroShape::Synchronous,
];

/// Long-running types whose PATCH is nevertheless synchronous: `Workspaces_Update` lists
/// only 200 and is no `x-ms-long-running-operation` (the official SDK's `update` is not a
/// poller), unlike the Container Apps and API Management updates (`begin_update`).
const SYNCHRONOUS_PATCH: &[&str] = &["Microsoft.OperationalInsights/workspaces"];

/// The shape of a write (`PUT`/`PATCH`) of a long-running type.
pub fn write_shape(app: &App, method: &str, arm_type: &str) -> LroShape {
    if method == "PATCH"
        && SYNCHRONOUS_PATCH
            .iter()
            .any(|t| t.eq_ignore_ascii_case(arm_type))
    {
        return LroShape::Synchronous;
    }
    app.faults
        .lro_shape(&WRITE_SHAPES, LroShape::AsyncOperation)
}

pub fn delete_shape(app: &App) -> LroShape {
    app.faults.lro_shape(&DELETE_SHAPES, LroShape::Location)
}

/// The status of a long-running write's first answer: a PATCH that is still running
/// answers 202 (the Azure CLI polls only on 202); so does a `Location`-only PUT; otherwise
/// `created` (201/200 for a create, 200 for an update).
pub fn write_status(shape: LroShape, method: &str, created: u16) -> u16 {
    match (shape, method) {
        (LroShape::AsyncOperation | LroShape::Location, "PATCH") => 202,
        (LroShape::Location, _) => 202,
        _ => created,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_patches_and_location_writes_answer_202() {
        assert_eq!(write_status(LroShape::AsyncOperation, "PATCH", 200), 202);
        assert_eq!(write_status(LroShape::Location, "PATCH", 200), 202);
        assert_eq!(write_status(LroShape::Location, "PUT", 201), 202);
        assert_eq!(write_status(LroShape::AsyncOperation, "PUT", 201), 201);
        assert_eq!(write_status(LroShape::AsyncOperation, "PUT", 200), 200);
        assert_eq!(write_status(LroShape::ProvisioningState, "PATCH", 200), 200);
        assert_eq!(write_status(LroShape::ProvisioningState, "PUT", 201), 201);
    }
}
