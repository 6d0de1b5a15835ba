//! What the three ACL APIs share: Kafka's check that no binding or filter holds
//! an UNKNOWN (code 0) element, which it makes while parsing the request, so
//! that such a request has its connection closed rather than answered.

/// The codes of one ACL binding or filter.
pub struct AclCodes {
    pub resource_type: i8,
    pub pattern_type: i8,
    pub operation: i8,
    pub permission_type: i8,
}

/// Kafka's `UNKNOWN` in `ResourceType`, `PatternType`, `AclOperation` and `AclPermissionType`.
const UNKNOWN: i8 = 0;

/// Ok unless an element is UNKNOWN; the error is the reason the connection closes.
pub fn check_known(api: &str, acls: impl IntoIterator<Item = AclCodes>) -> Result<(), String> {
    for acl in acls {
        if [acl.resource_type, acl.pattern_type, acl.operation, acl.permission_type].contains(&UNKNOWN) {
            return Err(format!("{api} request contains UNKNOWN elements"));
        }
    }
    Ok(())
}
