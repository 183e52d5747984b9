//! How a typed error reaches an app: the wire carries text, so an error is written out with
//! every cause in its chain ("cannot write the PDF: Permission denied (os error 13)").

/// `error` and each of its causes, joined by ": ".
///
/// Errors here keep their cause as a `#[source]` and leave it out of their own message, so
/// nothing is said twice.
pub fn reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let next = e.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = e.source();
    }
    text
}

/// A `Result` with its error written out for the wire (see [`reason`]).
pub fn for_wire<T, E: std::error::Error + 'static>(result: Result<T, E>) -> Result<T, String> {
    result.map_err(|e| reason(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot save")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_cause_is_written_once() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(reason(&e), "cannot save: disk full");
        let plain = std::io::Error::other("alone");
        assert_eq!(reason(&plain), "alone");
    }
}
