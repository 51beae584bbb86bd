//! Setting a client's SASL/OAUTHBEARER token directly, for clients nothing polls (rust-rdkafka
//! answers librdkafka's refresh events only from a client's poll).

use std::ffi::{c_char, CStr, CString};

use rdkafka::client::{Client, ClientContext, OAuthToken};
use rdkafka::types::RDKafkaRespErr;

/// Hands `token` to `client`, which uses it for its next SASL/OAUTHBEARER logins.
pub(crate) fn set_oauth_token<C: ClientContext>(
    client: &Client<C>,
    token: &OAuthToken,
) -> Result<(), String> {
    let value =
        CString::new(token.token.as_str()).map_err(|_| "the OAuth token holds a NUL byte")?;
    let principal = CString::new(token.principal_name.as_str())
        .map_err(|_| "the OAuth principal name holds a NUL byte")?;
    let mut error: [c_char; 512] = [0; 512];
    // SAFETY: the client is borrowed for the whole call; every string is NUL-terminated and
    // lives until the call returns (librdkafka copies them); no extensions are passed (NULL and
    // 0); `error` is a writable buffer of the length given, which librdkafka NUL-terminates.
    let code = unsafe {
        rdkafka_sys::rd_kafka_oauthbearer_set_token(
            client.native_ptr(),
            value.as_ptr(),
            token.lifetime_ms,
            principal.as_ptr(),
            std::ptr::null_mut(),
            0,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if code == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: librdkafka wrote a NUL-terminated message into `error` (zeroed, so terminated
    // even if it wrote nothing).
    Err(unsafe { CStr::from_ptr(error.as_ptr()) }
        .to_string_lossy()
        .into_owned())
}
