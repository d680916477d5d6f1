//! Readiness states and the weights of each, as the Iter8 controller computes them.

use super::tree::Tree;
use crate::model::Release;
use serde_json::Value;

/// A readiness state: bit i set when version i is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State(pub u64);

impl State {
    pub fn all(n: usize) -> impl Iterator<Item = State> {
        (0..1u64 << n).map(State)
    }

    pub fn is_ready(self, i: usize) -> bool {
        self.0 >> i & 1 == 1
    }

    /// `none`, `0`, `0-1`: as in the `ready-<state>.yaml` keys.
    pub fn label(self, n: usize) -> String {
        let mut label = String::with_capacity(2 * n);
        for i in (0..n).filter(|&i| self.is_ready(i)) {
            if !label.is_empty() {
                label.push('-');
            }
            push_decimal(&mut label, i);
        }
        if label.is_empty() { "none".into() } else { label }
    }
}

/// The Iter8 controller's rule: declared weight when ready, else 0; all zero gives the
/// primary 1. `overrides` replace declared weights (the weight-config annotation).
pub fn state_weights(r: &Release, state: State, overrides: &[Option<u32>]) -> Vec<u32> {
    let mut w: Vec<u32> = r
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| if state.is_ready(i) { overrides.get(i).copied().flatten().unwrap_or(v.weight) } else { 0 })
        .collect();
    if w.iter().all(|&x| x == 0) {
        w[0] = 1;
    }
    w
}

/// The weights a state's routing object is evaluated with: exactly the controller's `.Weights`
/// in that state, so a `ready-*` key, `--ready` and `route` write the object the controller
/// writes, byte for byte. Istio and the Gateway API read weights as relative shares;
/// percentages are for people (`states`).
pub fn weights_for(r: &Release, state: State) -> Vec<u32> {
    state_weights(r, state, &[])
}

/// The routing object of one state, as `ready-*` keys and `--ready` show it.
pub fn object_for(r: &Release, tree: &Tree, state: State) -> Value {
    tree.at(&weights_for(r, state))
}

/// Integer percentages that sum to 100, in the weights' proportions, where every non-zero
/// weight gets at least 1 (a ready version never rounds away) and a zero weight stays 0.
/// Largest remainder method; ties go to the lower index. All zero stays all zero.
pub fn percentages(w: &[u32]) -> Vec<u32> {
    let total: u64 = w.iter().map(|&x| u64::from(x)).sum();
    if total == 0 {
        return w.to_vec();
    }
    // Each non-zero weight first takes its floor or 1; what is left is shared by largest
    // remainder. Taking the floor-or-1 can overshoot 100 only when many tiny weights sit
    // next to a huge one; then the largest shares give back the excess, one at a time.
    let mut out: Vec<u32> = w.iter().map(|&x| if x == 0 { 0 } else { ((u64::from(x) * 100 / total) as u32).max(1) }).collect();
    let sum: u32 = out.iter().sum();
    if sum > 100 {
        let mut excess = sum - 100;
        while excess > 0 {
            let Some(k) = (0..out.len()).filter(|&k| out[k] > 1).max_by_key(|&k| (out[k], std::cmp::Reverse(k))) else { break };
            out[k] -= 1;
            excess -= 1;
        }
        return out;
    }
    let mut rest = 100 - sum;
    let mut order: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0 && u64::from(w[i]) * 100 >= total).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(w[i]) * 100 % total));
    if order.is_empty() {
        order = (0..w.len()).filter(|&i| w[i] > 0).collect();
    }
    let mut k = 0;
    while rest > 0 {
        out[order[k % order.len()]] += 1;
        rest -= 1;
        k += 1;
    }
    out
}

/// A number in decimal, without the formatting machinery (weights and state labels are
/// written thousands of times per render).
pub fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_sum_to_100() {
        assert_eq!(percentages(&[50, 50, 50]), vec![34, 33, 33]);
        assert_eq!(percentages(&[30, 70]), vec![30, 70]);
        assert_eq!(percentages(&[1, 0]), vec![100, 0]);
        assert_eq!(percentages(&[1, 2]), vec![33, 67]);
    }

    #[test]
    fn a_non_zero_weight_never_rounds_to_zero() {
        assert_eq!(percentages(&[1000, 1]), vec![99, 1]);
        assert_eq!(percentages(&[u32::MAX, 50]), vec![99, 1]);
        assert_eq!(percentages(&[0, 0, 7]), vec![0, 0, 100]);
        let mut many = vec![1u32; 15];
        many.insert(0, 1_000_000);
        let p = percentages(&many);
        assert_eq!(p.iter().sum::<u32>(), 100);
        assert!(p.iter().all(|&x| x >= 1), "{p:?}");
        assert_eq!(p[0], 85);
    }

    #[test]
    fn labels() {
        assert_eq!(State(0).label(2), "none");
        assert_eq!(State(3).label(2), "0-1");
        assert_eq!(State(2).label(2), "1");
    }
}
