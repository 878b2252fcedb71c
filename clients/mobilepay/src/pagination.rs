//! List calls as async streams that follow `nextPageNumber` to the end.

use std::collections::VecDeque;
use std::future::Future;

use futures_util::Stream;

use crate::error::Result;

/// One fetched page: its items and the page after it, if any.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<i32>,
}

/// Streams every item of every page, starting at page 1. It stops when the answer has
/// no next page, names a page that does not move forward (the API sends 0 at the end),
/// or is empty; an error ends the stream after yielding it.
pub(crate) fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    struct State<T, F> {
        fetch: F,
        buffer: VecDeque<T>,
        next: Option<u32>,
    }
    let state = State {
        fetch,
        buffer: VecDeque::new(),
        next: Some(1),
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.pop_front() {
                return Some((Ok(item), state));
            }
            let page = state.next.take()?;
            match (state.fetch)(page).await {
                Err(error) => return Some((Err(error), state)),
                Ok(fetched) => {
                    let empty = fetched.items.is_empty();
                    state.buffer.extend(fetched.items);
                    state.next = fetched
                        .next
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|&n| n > page && !empty);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn follows_pages_and_stops_at_zero() {
        let pages = |n: u32| async move {
            Ok(match n {
                1 => Page {
                    items: vec![1, 2],
                    next: Some(2),
                },
                2 => Page {
                    items: vec![3],
                    next: Some(0),
                },
                _ => panic!("page {n} must not be fetched"),
            })
        };
        let all: Vec<i32> = paginate(pages).map(|r| r.unwrap()).collect().await;
        assert_eq!(all, vec![1, 2, 3]);
    }
}
