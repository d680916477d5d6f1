//! Cohorts that no request reaches in some readiness state: said by `render`, `states` and
//! `diff` at the clause's place in the values, and refused under `--strict`.

use crate::model::Release;
use crate::plan::routing::{self, State, Tree};
use crate::problem::{Pos, Problem};
use crate::review::matching::{Api, Conditions};
use crate::review::rules::{Rule, clause, rules_of};
use crate::review::states::rows;

/// Cohorts that an earlier rule hides: in some readiness state, no request reaches a
/// candidate's cohort clause, because a rule tried before it takes every request it matches
/// (two candidates with the same cohort; on the Gateway API, a cohort outranked by another).
/// Each is said once, at the clause's place in the values, with the states it is hidden in.
/// Only the state with every version ready is read unless it hides something: no rule hidden
/// there can be reached in a state with fewer versions ready.
pub fn hidden_cohorts(r: &Release, plan: &Tree) -> Vec<Problem> {
    let gtw = r.env == crate::model::Env::DeploymentGtw;
    // Called once the routemap is known to fit, which holds far fewer versions than this; the
    // bound keeps a caller that forgets from reading 2^N states of a release that cannot render.
    if r.versions.len() > MAX_READ || !may_hide_a_cohort(r, gtw) {
        return Vec::new();
    }
    let n = r.versions.len();
    let all = State((1u64 << n) - 1);
    let (rules, _) = rules_of(&plan.at(&routing::weights_for(r, all)));
    if !rules.iter().any(|rule| rule.shadowed_by.is_some() && !rule.matches.is_empty()) {
        return Vec::new();
    }
    let mut found: Vec<Hidden> = Vec::new();
    for row in rows(r, plan) {
        for rule in row.rules.iter().filter(|rule| !rule.matches.is_empty()) {
            let Some(by) = &rule.shadowed_by else { continue };
            let by_rule = row.rules.iter().find(|x| &x.name == by);
            // A clause repeated within one cohort hides nothing: its requests go where it sends them.
            if by_rule.is_some_and(|x| x.to == rule.to && x.mirrored == rule.mirrored) {
                continue;
            }
            let Some((path, at, what)) = cohort_of(r, rule, gtw) else { continue };
            let by_to = by_rule.map(|x| x.to.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
            // A rule of the user's own route sends to none of the versions.
            let users = by_rule.is_some_and(|x| !x.to.iter().any(|(n, _)| r.versions.iter().any(|v| &v.target.name == n)));
            let by_text = if users { format!("rule {by} of application.route (to {by_to})") } else { format!("rule {by} (to {by_to})") };
            match found.iter_mut().find(|f| f.path == path && f.by == by_text) {
                Some(f) => f.states.push(row.state.clone()),
                None => found.push(Hidden { path, at, what, by: by_text, states: vec![row.state.clone()] }),
            }
        }
    }
    found
        .into_iter()
        .map(|Hidden { path, at, what, by, states }| {
            let which = if states.len() == 1 { format!("state {}", states[0]) } else { format!("states {}", states.join(", ")) };
            let hint = if by.contains(" of application.route ") { "change the cohort, or that rule" } else { "give each candidate a cohort of its own" };
            let msg = format!(
                "{what} is reached by no request in readiness {which}: {by} is tried first and takes every request it matches; {hint}"
            );
            Problem::at(&path, at, msg)
        })
        .collect()
}

/// The most versions whose states are read for hidden cohorts.
const MAX_READ: usize = 12;

/// A hidden cohort: its values path and place, which cohort, the rule that hides it, and the
/// states it is hidden in.
struct Hidden {
    path: String,
    at: Option<Pos>,
    what: String,
    by: String,
    states: Vec<String>,
}

/// Whether any clause of another version's rules (its cohort, its version-affinity cookie,
/// KServe's branch header) may take every request one of a candidate's cohort clauses
/// matches: without one, no cohort can be hidden in any state, and no state need be read. A
/// cookie or branch clause can only take a cohort clause that itself asks for that header.
fn may_hide_a_cohort(r: &Release, gtw: bool) -> bool {
    let api = match r.env {
        crate::model::Env::DeploymentGtw if r.grpc => Api::GrpcRoute,
        crate::model::Env::DeploymentGtw => Api::HttpRoute,
        _ => Api::Istio,
    };
    let mut clauses: Vec<(usize, Conditions)> = Vec::new();
    for (i, v) in r.versions.iter().enumerate() {
        let cohort = if gtw { &v.gtw_matches } else { &v.istio_match };
        clauses.extend(cohort.iter().map(|c| (i, Conditions::of(api, c))));
    }
    let generated = |c: &Conditions| (r.affinity.is_some() && c.asks_for("header cookie")) || (r.env.is_kserve() && c.asks_for("header branch"));
    // A rule of the user's own route may take a cohort's requests too.
    let user_rules = r.route.as_ref().is_some_and(|u| !u.before.is_empty() || !u.after.is_empty());
    user_rules || clauses.iter().filter(|(i, _)| *i > 0).any(|(i, c)| generated(c) || clauses.iter().any(|(j, other)| j != i && other.take_all_of(c)))
}

/// The values path, place and description of the candidate cohort a rule was built from, or
/// `None` for a rule that is not a written or default cohort (version affinity's).
fn cohort_of(r: &Release, rule: &Rule, gtw: bool) -> Option<(String, Option<Pos>, String)> {
    let [(target, 100)] = rule.to.as_slice() else { return None };
    let (i, v) = r.versions.iter().enumerate().skip(1).find(|(_, v)| &v.target.name == target)?;
    let base = format!("application.versions[{i}]");
    let written = &v.written;
    // Within a route of the user's, a cohort clause is written ANDed with each of the marked
    // rule's (`Release::within`): clause j is the j-th run of that many.
    let per = r.route.as_ref().map_or(1, |u| u.marked.matches.len().max(1));
    if gtw {
        let texts: Vec<String> = r.within(&v.gtw_matches).iter().map(clause).collect();
        let j = texts.iter().position(|m| rule.matches.first() == Some(m))? / per;
        return Some(match written.matches {
            Some(_) => (format!("{base}.matches[{j}]"), written.clauses.get(j).copied(), format!("version {i}'s cohort clause")),
            None => (base, written.version, format!("version {i}'s default cohort (header traffic: test)")),
        });
    }
    let texts: Vec<String> = r.within(&v.istio_match).iter().map(clause).collect();
    if texts != rule.matches {
        return None;
    }
    Some(match written.matches {
        Some(at) => (format!("{base}.match"), Some(at), format!("version {i}'s cohort")),
        None => (base, written.version, format!("version {i}'s default cohort (header traffic: test)")),
    })
}
