//! Shares for people: a state's weights as the percentages `states` and `diff` show.

use crate::model::{Release, Strategy};
use crate::plan::state::percentages;

/// The shares a reviewer reads: integer percentages for split strategies, and mirror weights,
/// which are already percentages, as they are.
pub fn shares(r: &Release, w: &[u32]) -> Vec<u32> {
    if r.strategy == Strategy::Mirror { w.to_vec() } else { percentages(w) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Strategy;

    #[test]
    fn split_weights_as_percentages_and_mirror_weights_as_they_are() {
        let context = crate::input::Context { release_name: Some("app".into()), namespace: Some("ns".into()), ..Default::default() };
        let opts = crate::Options { context, ..crate::Options::default() };
        let r = crate::release(b"environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: a\n  - image: b\n", &opts).expect("a release").0;
        assert_eq!(shares(&r, &[1, 2]), vec![33, 67]);
        let mirror = crate::model::Release { strategy: Strategy::Mirror, ..r };
        assert_eq!(shares(&mirror, &[1, 20]), vec![1, 20]);
    }
}
