//! Addresses the server listens on (`metrics.address`, `web.address`).

use std::net::SocketAddr;

use super::ConfigError;

/// `address`, the value of setting `key`, as a socket address; `example` is a valid one for the
/// error.
pub(super) fn socket_address(
    key: &str,
    address: &str,
    example: &str,
) -> Result<SocketAddr, ConfigError> {
    address.parse().map_err(|_| {
        ConfigError::invalid(
            key,
            format!("{address:?}"),
            format!(
                "must be an IP address and a port, like \"{example}\" or \"[::]:{}\"",
                port(example)
            ),
        )
    })
}

/// The port of `example` (`127.0.0.1:9394` gives `9394`).
fn port(example: &str) -> &str {
    example.rsplit(':').next().unwrap_or(example)
}
