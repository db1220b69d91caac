//! The life of an advocacy issue, from a gap noticed to a policy changed:
//!
//! ```text
//! identified → drafting → review → submitted → responded → implementing → closed
//!                  ↑__________|  (sent back with comments)
//! ```
//!
//! One function, [`check`], decides every move: who may make it, what must exist first,
//! and where it leads. Handlers ask it before they write; nothing else knows the rules.
//!
//! - A senior worker (or coordinator, or admin) starts drafting and asks for review.
//! - A coordinator (or admin) approves the draft or sends it back with comments; only
//!   an approved issue can be submitted, and only once a submission to a department is
//!   recorded.
//! - `responded` needs a recorded response; `implementing` follows a response.
//! - Closing needs a resolution (achieved, partially achieved, not achieved, withdrawn);
//!   "merged" is set only by merging. A closed issue is reopened with a reason, to the
//!   stage it was closed from.

use crate::domain::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Identified,
    Drafting,
    Review,
    Submitted,
    Responded,
    Implementing,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Identified,
        Stage::Drafting,
        Stage::Review,
        Stage::Submitted,
        Stage::Responded,
        Stage::Implementing,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Identified => "identified",
            Stage::Drafting => "drafting",
            Stage::Review => "review",
            Stage::Submitted => "submitted",
            Stage::Responded => "responded",
            Stage::Implementing => "implementing",
            Stage::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// How a closed issue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Achieved,
    PartiallyAchieved,
    NotAchieved,
    Withdrawn,
    /// Set by merging into another issue, never chosen when closing.
    Merged,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Achieved => "achieved",
            Resolution::PartiallyAchieved => "partially_achieved",
            Resolution::NotAchieved => "not_achieved",
            Resolution::Withdrawn => "withdrawn",
            Resolution::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Resolution> {
        [
            Resolution::Achieved,
            Resolution::PartiallyAchieved,
            Resolution::NotAchieved,
            Resolution::Withdrawn,
            Resolution::Merged,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// What someone asks to do to an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    StartDrafting,
    RequestReview,
    Approve,
    /// Back to drafting, with the reviewer's comments.
    SendBack {
        comments: String,
    },
    Submit,
    MarkResponded,
    StartImplementing,
    Close {
        resolution: Resolution,
    },
    Reopen {
        reason: String,
    },
}

impl Move {
    /// The timeline's name for the move (the audit action).
    pub fn action(&self) -> &'static str {
        let index = match self {
            Move::StartDrafting => 0,
            Move::RequestReview => 1,
            Move::Approve => 2,
            Move::SendBack { .. } => 3,
            Move::Submit => 4,
            Move::MarkResponded => 5,
            Move::StartImplementing => 6,
            Move::Close { .. } => 7,
            Move::Reopen { .. } => 8,
        };
        MOVE_ACTIONS[index]
    }
}

/// Audit actions of the moves, in [`Move`] order.
pub const MOVE_ACTIONS: [&str; 9] = [
    "issue.drafting_started",
    "issue.review_requested",
    "issue.approved",
    "issue.sent_back",
    "issue.submitted",
    "issue.responded",
    "issue.implementing",
    "issue.closed",
    "issue.reopened",
];

/// What the rules need to know about the issue and the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    pub stage: Stage,
    pub role: Role,
    /// The draft in review was approved (cleared when it is sent back or reopened).
    pub approved: bool,
    pub has_submission: bool,
    pub has_response: bool,
    /// For a closed issue: the stage it was closed from.
    pub closed_from: Option<Stage>,
}

/// Why a move was refused; each is a message key and a stable API code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The person's role may not make this move.
    NotAllowed,
    /// The move does not start from the issue's stage.
    WrongStage,
    NotApproved,
    NoSubmission,
    NoResponse,
    /// Sending back and reopening need a note.
    NoteRequired,
    /// "merged" is not chosen by hand.
    ResolutionNotChosen,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "lifecycle.not_allowed",
            Refusal::WrongStage => "lifecycle.wrong_stage",
            Refusal::NotApproved => "lifecycle.not_approved",
            Refusal::NoSubmission => "lifecycle.no_submission",
            Refusal::NoResponse => "lifecycle.no_response",
            Refusal::NoteRequired => "lifecycle.note_required",
            Refusal::ResolutionNotChosen => "lifecycle.resolution_not_chosen",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "transition_not_allowed",
            Refusal::WrongStage => "transition_wrong_stage",
            Refusal::NotApproved => "transition_not_approved",
            Refusal::NoSubmission => "transition_needs_submission",
            Refusal::NoResponse => "transition_needs_response",
            Refusal::NoteRequired => "transition_needs_note",
            Refusal::ResolutionNotChosen => "transition_bad_resolution",
        }
    }
}

/// What a legal move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub to: Stage,
    /// The approval flag after the move.
    pub approved: bool,
}

fn builds(role: Role) -> bool {
    matches!(role, Role::Senior | Role::Coordinator | Role::Admin)
}

fn reviews(role: Role) -> bool {
    matches!(role, Role::Coordinator | Role::Admin)
}

/// Decides a move. Checks the role first, then the stage, then what must exist.
pub fn check(s: &Situation, m: &Move) -> Result<Outcome, Refusal> {
    use Stage::*;
    let (allowed, from_ok, to) = match m {
        Move::StartDrafting => (builds(s.role), s.stage == Identified, Drafting),
        Move::RequestReview => (builds(s.role), s.stage == Drafting, Review),
        Move::Approve => (reviews(s.role), s.stage == Review && !s.approved, Review),
        Move::SendBack { .. } => (reviews(s.role), s.stage == Review, Drafting),
        Move::Submit => (builds(s.role), s.stage == Review, Submitted),
        Move::MarkResponded => (builds(s.role), s.stage == Submitted, Responded),
        Move::StartImplementing => (builds(s.role), s.stage == Responded, Implementing),
        Move::Close { .. } => (reviews(s.role), s.stage != Closed, Closed),
        Move::Reopen { .. } => (
            reviews(s.role),
            s.stage == Closed,
            s.closed_from.unwrap_or(Drafting),
        ),
    };
    if !allowed {
        return Err(Refusal::NotAllowed);
    }
    if !from_ok {
        return Err(Refusal::WrongStage);
    }
    match m {
        Move::SendBack { comments: note } | Move::Reopen { reason: note }
            if note.trim().is_empty() =>
        {
            return Err(Refusal::NoteRequired);
        }
        Move::Submit if !s.approved => return Err(Refusal::NotApproved),
        Move::Submit if !s.has_submission => return Err(Refusal::NoSubmission),
        Move::MarkResponded if !s.has_response => return Err(Refusal::NoResponse),
        Move::Close {
            resolution: Resolution::Merged,
        } => {
            return Err(Refusal::ResolutionNotChosen);
        }
        _ => {}
    }
    let approved = match m {
        Move::Approve => true,
        Move::SendBack { .. } | Move::Reopen { .. } => false,
        _ => s.approved,
    };
    Ok(Outcome { to, approved })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(stage: Stage, role: Role) -> Situation {
        Situation {
            stage,
            role,
            approved: false,
            has_submission: false,
            has_response: false,
            closed_from: None,
        }
    }

    fn every_move() -> Vec<Move> {
        vec![
            Move::StartDrafting,
            Move::RequestReview,
            Move::Approve,
            Move::SendBack {
                comments: "needs figures".into(),
            },
            Move::Submit,
            Move::MarkResponded,
            Move::StartImplementing,
            Move::Close {
                resolution: Resolution::Achieved,
            },
            Move::Reopen {
                reason: "the department wrote again".into(),
            },
        ]
    }

    #[test]
    fn an_issue_walks_from_identified_to_closed() {
        let mut s = at(Stage::Identified, Role::Senior);
        let step = |s: &mut Situation, role: Role, m: Move| {
            s.role = role;
            let o = check(s, &m).unwrap_or_else(|e| panic!("{m:?} at {:?}: {e:?}", s.stage));
            s.stage = o.to;
            s.approved = o.approved;
        };
        step(&mut s, Role::Senior, Move::StartDrafting);
        step(&mut s, Role::Senior, Move::RequestReview);
        step(
            &mut s,
            Role::Coordinator,
            Move::SendBack {
                comments: "add the district figures".into(),
            },
        );
        assert_eq!(s.stage, Stage::Drafting);
        step(&mut s, Role::Senior, Move::RequestReview);
        step(&mut s, Role::Coordinator, Move::Approve);
        assert!(s.approved);
        s.has_submission = true;
        step(&mut s, Role::Senior, Move::Submit);
        s.has_response = true;
        step(&mut s, Role::Senior, Move::MarkResponded);
        step(&mut s, Role::Senior, Move::StartImplementing);
        step(
            &mut s,
            Role::Coordinator,
            Move::Close {
                resolution: Resolution::PartiallyAchieved,
            },
        );
        assert_eq!(s.stage, Stage::Closed);
        s.closed_from = Some(Stage::Implementing);
        step(
            &mut s,
            Role::Coordinator,
            Move::Reopen {
                reason: "the commitment lapsed".into(),
            },
        );
        assert_eq!(
            s.stage,
            Stage::Implementing,
            "back where it was closed from"
        );
    }

    #[test]
    fn every_move_from_every_stage_by_every_role() {
        // Exactly these (stage, move) pairs are legal for a coordinator when everything
        // needed exists; every other pair is the wrong stage.
        let legal: &[(Stage, &str)] = &[
            (Stage::Identified, "issue.drafting_started"),
            (Stage::Drafting, "issue.review_requested"),
            (Stage::Review, "issue.approved"),
            (Stage::Review, "issue.sent_back"),
            (Stage::Review, "issue.submitted"),
            (Stage::Submitted, "issue.responded"),
            (Stage::Responded, "issue.implementing"),
            (Stage::Closed, "issue.reopened"),
        ];
        for stage in Stage::ALL {
            for m in every_move() {
                let mut s = at(stage, Role::Coordinator);
                s.has_submission = true;
                s.has_response = true;
                s.approved = matches!(m, Move::Submit);
                let closes = matches!(m, Move::Close { .. }) && stage != Stage::Closed;
                let expected = legal.contains(&(stage, m.action())) || closes;
                assert_eq!(check(&s, &m).is_ok(), expected, "{m:?} from {stage:?}");
                if !expected {
                    assert_eq!(
                        check(&s, &m),
                        Err(Refusal::WrongStage),
                        "{m:?} from {stage:?}"
                    );
                }
                // Workers and viewers may make no move at all.
                for role in [Role::Worker, Role::Viewer] {
                    s.role = role;
                    assert_eq!(check(&s, &m), Err(Refusal::NotAllowed), "{role:?} {m:?}");
                }
                // Senior workers build but do not review, close or reopen.
                s.role = Role::Senior;
                let reviewer_only = matches!(
                    m,
                    Move::Approve
                        | Move::SendBack { .. }
                        | Move::Close { .. }
                        | Move::Reopen { .. }
                );
                if reviewer_only {
                    assert_eq!(check(&s, &m), Err(Refusal::NotAllowed), "senior {m:?}");
                }
            }
        }
    }

    #[test]
    fn what_must_exist_first() {
        let mut s = at(Stage::Review, Role::Coordinator);
        s.has_submission = true;
        assert_eq!(check(&s, &Move::Submit), Err(Refusal::NotApproved));
        s.approved = true;
        s.has_submission = false;
        assert_eq!(check(&s, &Move::Submit), Err(Refusal::NoSubmission));
        assert_eq!(
            check(&s, &Move::Approve),
            Err(Refusal::WrongStage),
            "approved once"
        );
        let s = at(Stage::Submitted, Role::Senior);
        assert_eq!(check(&s, &Move::MarkResponded), Err(Refusal::NoResponse));
        let s = at(Stage::Review, Role::Coordinator);
        assert_eq!(
            check(
                &s,
                &Move::SendBack {
                    comments: "  ".into()
                }
            ),
            Err(Refusal::NoteRequired)
        );
        let s = at(Stage::Closed, Role::Admin);
        assert_eq!(
            check(
                &s,
                &Move::Reopen {
                    reason: String::new()
                }
            ),
            Err(Refusal::NoteRequired)
        );
        let s = at(Stage::Responded, Role::Coordinator);
        assert_eq!(
            check(
                &s,
                &Move::Close {
                    resolution: Resolution::Merged
                }
            ),
            Err(Refusal::ResolutionNotChosen)
        );
        // Withdrawing is possible from any open stage.
        for stage in Stage::ALL.into_iter().filter(|s| *s != Stage::Closed) {
            let s = at(stage, Role::Coordinator);
            assert!(
                check(
                    &s,
                    &Move::Close {
                        resolution: Resolution::Withdrawn
                    }
                )
                .is_ok()
            );
        }
    }

    #[test]
    fn sending_back_and_reopening_clear_the_approval() {
        let mut s = at(Stage::Review, Role::Coordinator);
        s.approved = true;
        let o = check(
            &s,
            &Move::SendBack {
                comments: "rework".into(),
            },
        )
        .unwrap();
        assert_eq!(
            o,
            Outcome {
                to: Stage::Drafting,
                approved: false
            }
        );
        let mut s = at(Stage::Closed, Role::Coordinator);
        s.approved = true;
        s.closed_from = Some(Stage::Submitted);
        let o = check(
            &s,
            &Move::Reopen {
                reason: "new facts".into(),
            },
        )
        .unwrap();
        assert_eq!(
            o,
            Outcome {
                to: Stage::Submitted,
                approved: false
            }
        );
    }

    #[test]
    fn names_round_trip() {
        for st in Stage::ALL {
            assert_eq!(Stage::parse(st.as_str()), Some(st));
        }
        assert_eq!(
            Resolution::parse("partially_achieved"),
            Some(Resolution::PartiallyAchieved)
        );
        assert_eq!(Resolution::parse("won"), None);
    }
}
