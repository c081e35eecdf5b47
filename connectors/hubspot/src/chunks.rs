//! Splitting long property lists so list URLs stay under HubSpot's length limit.

/// Splits property names into comma-joined chunks of at most `budget` URL characters
/// (a comma costs three once percent-encoded).
pub(crate) fn chunk_properties(props: &[String], budget: usize) -> Vec<Vec<String>> {
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut current = Vec::new();
    let mut used = 0usize;
    for name in props {
        let cost = name.len() + 3;
        if !current.is_empty() && used + cost > budget {
            chunks.push(std::mem::take(&mut current));
            used = 0;
        }
        used += cost;
        current.push(name.clone());
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::chunk_properties;

    #[test]
    fn chunks_respect_budget_and_keep_order() {
        let props: Vec<String> = (0..50).map(|i| format!("property_{i:03}")).collect();
        let chunks = chunk_properties(&props, 100);
        assert_eq!(chunks.len(), 9);
        assert!(chunks
            .iter()
            .all(|c| c.iter().map(|p| p.len() + 3).sum::<usize>() <= 100));
        assert_eq!(chunks.concat(), props);
        assert_eq!(chunk_properties(&props, 100_000).len(), 1);
    }
}
