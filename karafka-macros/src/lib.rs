//! The routing DSL of karafka: `routes! { ... }` expands to calls of `karafka::routing`'s builder
//! API, so everything it says can also be written without it. Use it through `karafka::routes!`.
//!
//! ```ignore
//! routes! {
//!     defaults { max_messages: 50 }
//!     topic "example" => ExampleConsumer,
//!     topic "orders" {
//!         consumer: OrdersConsumer,
//!         max_wait_time: 500,
//!         kafka: { "fetch.max.bytes": 1048576 },
//!         config: { partitions: 6, "cleanup.policy": "compact" },
//!     }
//!     consumer_group "analytics" {
//!         subscription_group "slow" { topic "events" => EventsConsumer }
//!         pattern(r"logs\..*") => LogsConsumer,
//!     }
//! }
//! ```

mod ast;
mod expand;

use proc_macro::TokenStream;

/// Builds `karafka::routing::Routes` from the routing DSL; see the crate documentation.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    let routes = syn::parse_macro_input!(input as ast::Routes);
    expand::routes(&routes)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
