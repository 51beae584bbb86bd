//! The routing DSL compiles what it should, and rejects mistakes at the offending token.

#[test]
fn routes_dsl() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
