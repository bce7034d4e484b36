//! "Did you mean" hints, the same in every frontend.

/// The closest of `candidates` to `found`, for "did you mean" hints.
pub fn suggestion<'c>(found: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let substitution = previous + usize::from(ca != cb);
                previous = row[j + 1];
                row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
            }
        }
        row[b.len()]
    };
    candidates
        .into_iter()
        .map(|c| (distance(found, c), c))
        .filter(|&(d, c)| d <= 2 && d < c.chars().count())
        .min()
        .map_or(String::new(), |(_, c)| format!(" (did you mean `{c}`?)"))
}

#[cfg(test)]
mod tests {
    use super::suggestion;

    #[test]
    fn the_closest_name_within_two_edits() {
        assert_eq!(suggestion("ipv4.dts", ["ipv4.dst", "ipv4.src"]), " (did you mean `ipv4.dst`?)");
        assert_eq!(suggestion("wna", ["lan", "wan"]), " (did you mean `wan`?)");
        assert_eq!(suggestion("c", ["a", "b"]), "", "one letter for another is no hint");
        assert_eq!(suggestion("telnet", ["lan", "wan"]), "");
    }
}
