//! The nesting bound, checked on the raw query text before anything parses
//! it. async-graphql's parser is recursive: a 4 kB document of 2,000 nested
//! list brackets in any argument overflows the worker's stack and takes the
//! whole process down. This scan is a loop with a counter, so it cannot
//! overflow, and it runs for every caller (the HTTP handler before it labels
//! its metrics, the schema's guard before parsing) so no path parses an
//! unbounded document.
//!
//! It counts `{`, `[` and `(` outside string literals and comments; block
//! strings (`"""…"""`) and escapes are honoured, so brackets inside text do
//! not count.

/// The deepest bracket nesting a document may have. Selection sets, argument
/// lists, list and object values all count, so a query with the schema's
/// depth limit and an input object a few levels deep stays far below it.
pub const MAX_NESTING: usize = 64;

/// Checks that `query` nests brackets at most `max` deep; the error says how
/// deep it went and where.
pub fn check(query: &str, max: usize) -> Result<(), String> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut line = 1usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    if bytes[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                        continue;
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 3;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(format!(
                        "the query document nests brackets more than {max} deep (line {line})"
                    ));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_documents_pass() {
        assert!(check("{ a(x: [1, {b: [2]}]) { c { d } } }", 8).is_ok());
    }

    #[test]
    fn deep_lists_are_refused_wherever_they_are() {
        let deep = format!(
            "{{ scan(code: {}\"x\"{}) {{ gtin }} }}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        let e = check(&deep, MAX_NESTING).unwrap_err();
        assert!(e.contains("more than 64"), "{e}");
        let deep = format!("{}{}", "{a".repeat(100), "}".repeat(100));
        assert!(check(&deep, MAX_NESTING).is_err());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let q = format!(
            "{{ a(x: \"{}\", y: \"\"\"{}\"\"\") # {}\n }}",
            "[".repeat(500),
            "{\\\"\"\"".repeat(100),
            "(".repeat(500)
        );
        assert!(check(&q, 4).is_ok(), "{q}");
    }

    #[test]
    fn unterminated_strings_end_the_scan_without_panicking() {
        assert!(check("{ a(x: \"[[[", 2).is_ok());
        assert!(check("{ a(x: \"\"\"[[[", 2).is_ok());
        assert!(check("\"\\", 2).is_ok());
    }
}
