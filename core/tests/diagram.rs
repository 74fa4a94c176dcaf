//! The README's lifecycle diagram is generated from the transition table; this test
//! fails when they differ (`CASEKIT_BLESS=1` rewrites the README's block).

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
const START: &str =
    "<!-- lifecycle-diagram:start (generated from core/src/lifecycle.rs; do not edit) -->\n```mermaid\n";
const END: &str = "```\n<!-- lifecycle-diagram:end -->";

#[test]
fn readme_diagram_matches_the_transition_table() {
    let readme = std::fs::read_to_string(README).expect("README.md");
    let start = readme.find(START).expect("README has the diagram start marker") + START.len();
    let end = start + readme[start..].find(END).expect("README has the diagram end marker");
    let generated = casekit::lifecycle::mermaid();
    if std::env::var_os("CASEKIT_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], generated, &readme[end..]);
        std::fs::write(README, updated).expect("write README");
        return;
    }
    assert_eq!(&readme[start..end], generated, "regenerate with CASEKIT_BLESS=1 cargo test -p casekit --test diagram");
}
