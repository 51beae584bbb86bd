//! The routing DSL of karafka: `routes! { ... }` expands to calls of `karafka::routing`'s builder
//! API, so everything it says can also be written without it. Use it as `karafka::routes!`, whose
//! documentation lists every form and key with the builder call it becomes.

mod ast;
mod expand;

use proc_macro::TokenStream;

// rustdoc shows the re-export's documentation, then this; the empty first line keeps this a
// paragraph of its own instead of a row of the table the re-export's documentation ends with.
///
/// Defined in the `karafka-macros` crate and re-exported as `karafka::routes!`.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    let routes = syn::parse_macro_input!(input as ast::Routes);
    expand::routes(&routes)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
