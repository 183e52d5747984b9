//! `docs/promises.md`: every behavioural promise, the tests that pin it, and where. Checked by
//! the test below: every id once, every named test a function that exists.

use std::path::Path;

/// The promise ids, per family (`../shared/PROMISES.md` in the steering repository).
const FAMILIES: &[(char, u32)] = &[('S', 16), ('M', 14), ('F', 10), ('T', 15), ('B', 19)];

/// How a promise is checked.
const WHERE: &[&str] = &["procs", "one", "differs", "open"];

/// One row of the table.
#[derive(Debug)]
pub struct Promise {
    /// `S1`, `B4`, …
    pub id: String,
    /// `crate/tests/file.rs::function`, …
    pub tests: Vec<String>,
    /// One of [`WHERE`].
    pub checked: String,
}

/// The table's rows.
pub fn read(root: &Path) -> Result<Vec<Promise>, String> {
    let text = std::fs::read_to_string(root.join("docs/promises.md")).map_err(|e| format!("docs/promises.md: {e}"))?;
    let mut rows = Vec::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id") && !l.starts_with("| ---"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [id, _, tests, checked] = cells[..] else {
            return Err(format!("not a row of four cells: {line}"));
        };
        rows.push(Promise {
            id: id.to_string(),
            tests: tests.split(", ").filter(|t| *t != "—").map(str::to_string).collect(),
            checked: checked.to_string(),
        });
    }
    Ok(rows)
}

/// What is wrong with the table, one line each.
pub fn check(root: &Path) -> Vec<String> {
    let rows = match read(root) {
        Ok(rows) => rows,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for (family, count) in FAMILIES {
        for n in 1..=*count {
            let id = format!("{family}{n}");
            let found = rows.iter().filter(|r| r.id == id).count();
            if found != 1 {
                problems.push(format!("{id} is listed {found} times"));
            }
        }
    }
    for row in &rows {
        if !WHERE.contains(&row.checked.as_str()) {
            problems.push(format!("{}: where is {:?}, not one of {WHERE:?}", row.id, row.checked));
        }
        if row.tests.is_empty() && row.checked != "open" {
            problems.push(format!("{} is {} but names no test", row.id, row.checked));
        }
        for test in &row.tests {
            if let Err(why) = test_exists(root, test, &row.id) {
                problems.push(format!("{}: {test}: {why}", row.id));
            }
        }
    }
    problems
}

/// Whether `test` exists and cites `id` in its name or in the comments right above it (its doc
/// comment, between its attributes).
fn test_exists(root: &Path, test: &str, id: &str) -> Result<(), String> {
    let (file, function) = test.split_once("::").ok_or("not file::function")?;
    let (krate, rest) = file.split_once('/').ok_or("not crate/path")?;
    let path = root.join("crates").join(krate).join(rest);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| l.contains(&format!("fn {function}("))) else {
        return Err(format!("no function {function} in {}", path.display()));
    };
    let above = lines[..at]
        .iter()
        .rev()
        .take_while(|l| {
            let l = l.trim_start();
            l.starts_with("//") || l.starts_with("#[")
        })
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if cites(function, id) || cites(&above, id) {
        Ok(())
    } else {
        Err(format!("{function} does not cite {id} in its name or doc comment"))
    }
}

/// Whether `text` names the promise `id` as a word (`S1` in "S1, S2", not in "S12").
fn cites(text: &str, id: &str) -> bool {
    text.match_indices(id).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + id.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_promise_names_tests_that_exist() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
        let problems = check(root);
        assert!(problems.is_empty(), "docs/promises.md:\n{}", problems.join("\n"));
        let rows = read(root).unwrap();
        for place in WHERE {
            println!("{place}: {}", rows.iter().filter(|r| r.checked == *place).count());
        }
    }

    #[test]
    fn a_missing_test_or_id_is_found() {
        let dir = std::env::temp_dir().join(format!("webpane-promises-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("docs")).unwrap();
        std::fs::create_dir_all(dir.join("crates/x/tests")).unwrap();
        std::fs::write(
            dir.join("crates/x/tests/t.rs"),
            "/// Pins S1.\n#[test]\nfn real() {}\n#[test]\nfn s12_only() {}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("docs/promises.md"),
            "| id | promise | tests | where |\n| --- | --- | --- | --- |\n\
             | S1 | a | x/tests/t.rs::real | one |\n| S2 | b | x/tests/t.rs::gone | one |\n| S3 | c | — | procs |\n\
             | S4 | d | x/tests/t.rs::s12_only | one |\n",
        )
        .unwrap();
        let problems = check(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(problems.iter().any(|p| p.contains("no function gone")), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.starts_with("S3 is procs but names no test")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p == "S5 is listed 0 times"), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("s12_only does not cite S4")),
            "{problems:?}"
        );
        assert!(cites("Promises S1, S12.", "S1") && !cites("S12", "S1") && !cites("TS1", "S1"));
        assert!(
            !problems.iter().any(|p| p.starts_with("S1 ") || p.starts_with("S1:")),
            "{problems:?}"
        );
    }
}
