//! Sorted `(hash, document)` lists, the shape both fingerprints and LSH band
//! keys take between the sketch stage and the candidate stage.
//!
//! A corpus can be split in two lists: `old` (documents known from an index,
//! already sorted) and `new` (sketched in this run). [`merged_runs`] walks
//! both at once, run of equal hashes by run, so the chrome and candidate
//! stages never re-sort the indexed part.

/// A posting: a hash and the document carrying it.
pub type Posting = (u64, u32);

/// Sorts `(hash, doc)` postings built from per-document hash lists, with
/// document ids starting at `first_id`. Each list should hold distinct hashes.
pub fn build<'a, I>(lists: I, first_id: u32) -> Vec<Posting>
where
    I: IntoIterator<Item = &'a [u64]>,
{
    let mut v = Vec::new();
    for (d, hashes) in lists.into_iter().enumerate() {
        let id = first_id + d as u32;
        v.extend(hashes.iter().map(|&h| (h, id)));
    }
    // In document order, so a stable sort by hash is the (hash, document)
    // order: a radix sort, several times faster than a comparison sort here.
    crate::shingle::sort_by_hash(&mut v, |p| p.0);
    v
}

/// One hash and the old and new documents carrying it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run<'a> {
    /// The hash.
    pub hash: u64,
    /// Old postings with that hash.
    pub old: &'a [Posting],
    /// New postings with that hash.
    pub new: &'a [Posting],
}

impl Run<'_> {
    /// Documents carrying the hash.
    pub fn df(&self) -> usize {
        self.old.len() + self.new.len()
    }
}

/// Runs of equal hashes over two sorted posting lists, in hash order.
pub fn merged_runs<'a>(
    old: &'a [Posting],
    new: &'a [Posting],
) -> impl Iterator<Item = Run<'a>> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (old.get(i), new.get(j)) {
            (None, None) => return None,
            (Some(o), None) => o.0,
            (None, Some(n)) => n.0,
            (Some(o), Some(n)) => o.0.min(n.0),
        };
        let run_end = |v: &[Posting], from: usize| {
            from + v[from..].iter().take_while(|p| p.0 == next).count()
        };
        let (ei, ej) = (run_end(old, i), run_end(new, j));
        let run = Run {
            hash: next,
            old: &old[i..ei],
            new: &new[j..ej],
        };
        (i, j) = (ei, ej);
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_runs_from_both_sides() {
        let old = build([&[1u64, 5][..], &[5, 9]], 0);
        let new = build([&[5u64, 7][..]], 2);
        let runs: Vec<(u64, usize, usize)> = merged_runs(&old, &new)
            .map(|r| (r.hash, r.old.len(), r.new.len()))
            .collect();
        assert_eq!(runs, vec![(1, 1, 0), (5, 2, 1), (7, 0, 1), (9, 1, 0)]);
        assert_eq!(merged_runs(&[], &[]).count(), 0);
        let r = merged_runs(&old, &new).nth(1).unwrap();
        assert_eq!(r.df(), 3);
        assert_eq!(r.new, &[(5, 2)]);
    }
}
