//! The state-chain loop both MSE roles share: each state's `step` takes bytes off the input and
//! waits, moves to the next state, finishes, or fails; a failure sticks.

use super::error::MseError;
use super::MseEstablished;
use crate::error::WireError;

/// What a state's `step` did with the input.
pub(super) enum Step<S> {
    /// Needs more bytes.
    Wait(S),
    /// Moved on; try the next state with what is left.
    Next(S),
    /// Finished.
    Done(MseEstablished),
}

/// A role's state: the two end states, as the loop needs them.
pub(super) trait ChainState: Sized {
    /// The state after the handshake finished (later reads do nothing).
    const ESTABLISHED: Self;

    /// The state after `error`.
    fn failed(error: WireError) -> Self;

    /// The error, in the failed state.
    fn failure(&self) -> Option<&WireError>;

    /// Whether the handshake is finished.
    fn is_established(&self) -> bool;
}

/// Implements [`ChainState`] for a handshake's state enum whose end states are the variants
/// `Established` and `Failed(WireError)`.
macro_rules! impl_chain_state {
    ($state:ty) => {
        impl $crate::mse::step::ChainState for $state {
            const ESTABLISHED: Self = Self::Established;

            fn failed(error: $crate::error::WireError) -> Self {
                Self::Failed(error)
            }

            fn failure(&self) -> Option<&$crate::error::WireError> {
                match self {
                    Self::Failed(error) => Some(error),
                    _ => None,
                }
            }

            fn is_established(&self) -> bool {
                matches!(self, Self::Established)
            }
        }
    };
}
pub(super) use impl_chain_state;

/// Steps `state` with `step` until it waits, finishes or fails. A failed state returns its
/// error again; an established one returns `Ok(None)`.
pub(super) fn advance<S: ChainState>(
    state: &mut S,
    mut step: impl FnMut(S) -> Result<Step<S>, MseError>,
) -> Result<Option<MseEstablished>, WireError> {
    loop {
        if let Some(error) = state.failure() {
            return Err(error.clone());
        }
        if state.is_established() {
            return Ok(None);
        }
        match step(std::mem::replace(state, S::ESTABLISHED)) {
            Ok(Step::Wait(next)) => {
                *state = next;
                return Ok(None);
            }
            Ok(Step::Next(next)) => *state = next,
            Ok(Step::Done(established)) => return Ok(Some(established)),
            Err(error) => {
                let error = WireError::from(error);
                *state = S::failed(error.clone());
                return Err(error);
            }
        }
    }
}
