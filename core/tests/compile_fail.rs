//! The typestate face makes illegal transitions fail to compile.

#[test]
fn illegal_transitions_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
