//! How a gateway spread the client's requests over vLLM's two replicas (the `@configured`
//! balanced and failover routes): which replica took each request ([`Turns`]), and what each
//! request cost them ([`Cost`]), as the two journals show it.

use std::fmt;
use std::str::FromStr;

use crate::client::NO_ANSWER;

/// How the client's requests, sent one after another, were spread over two replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turns {
    /// Each request to the other replica than the one before (round robin).
    Alternating,
    /// Both took some, in no fixed order (at random, by load): alternating too, by chance.
    Both,
    /// All to the same one.
    One,
}

impl Turns {
    const ALL: [Turns; 3] = [Turns::Alternating, Turns::Both, Turns::One];

    /// As the features' cells say it.
    fn name(self) -> &'static str {
        match self {
            Turns::Alternating => "alternating",
            Turns::Both => "both",
            Turns::One => "one",
        }
    }

    /// How the replicas named in `order` (each call's instance, in order) took turns.
    pub fn of(order: &[&str]) -> Self {
        if order.len() > 1 && order.windows(2).all(|pair| pair[0] != pair[1]) {
            Turns::Alternating
        } else if order.iter().all(|instance| Some(instance) == order.first()) {
            Turns::One
        } else {
            Turns::Both
        }
    }

    /// Whether `seen` is what a row expecting `self` allows.
    pub fn admits(self, seen: Turns) -> bool {
        self == seen || (self == Turns::Both && seen == Turns::Alternating)
    }
}

impl fmt::Display for Turns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Turns {
    type Err = String;

    fn from_str(cell: &str) -> Result<Self, String> {
        Turns::ALL
            .into_iter()
            .find(|turns| turns.name() == cell)
            .ok_or_else(|| format!("`{cell}` is not alternating, both or one"))
    }
}

/// What one client request cost: the status it got, and the calls to vLLM's API each replica
/// journaled while it ran. Written `503 (1 + 0)`: status, then calls to the first and to the second
/// replica; `none` for a request that got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub status: u16,
    pub first: usize,
    pub second: usize,
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            NO_ANSWER => f.write_str("none")?,
            status => write!(f, "{status}")?,
        }
        write!(f, " ({} + {})", self.first, self.second)
    }
}

impl FromStr for Cost {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let malformed = || format!("`{text}` is not `<status> (<calls to the first> + <to the second>)`");
        let (status, calls) = text.trim().split_once(" (").ok_or_else(malformed)?;
        let (first, second) = calls
            .strip_suffix(')')
            .and_then(|c| c.split_once(" + "))
            .ok_or_else(malformed)?;
        let status = match status {
            "none" => NO_ANSWER,
            status => status.parse().map_err(|_| malformed())?,
        };
        Ok(Cost {
            status,
            first: first.parse().map_err(|_| malformed())?,
            second: second.parse().map_err(|_| malformed())?,
        })
    }
}

/// What a row allows the client's requests to have cost: these, in this order (a gateway
/// that decides the same way each time), or each one of these (one that picks at random).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Costs {
    InOrder(Vec<Cost>),
    EachOneOf(Vec<Cost>),
}

impl Costs {
    pub fn admits(&self, seen: &[Cost]) -> bool {
        match self {
            Costs::InOrder(costs) => costs == seen,
            Costs::EachOneOf(costs) => seen.iter().all(|cost| costs.contains(cost)),
        }
    }
}

impl FromStr for Costs {
    type Err = String;

    fn from_str(cell: &str) -> Result<Self, String> {
        let list = |costs: &str| costs.split(", ").map(str::parse).collect::<Result<Vec<Cost>, _>>();
        if let Some(costs) = cell.strip_prefix("in order: ") {
            Ok(Costs::InOrder(list(costs)?))
        } else if let Some(costs) = cell.strip_prefix("each one of: ") {
            Ok(Costs::EachOneOf(list(costs)?))
        } else {
            Err(format!("`{cell}` begins with neither `in order: ` nor `each one of: `"))
        }
    }
}

/// `costs` as a cell says them, in order.
pub fn in_order(costs: &[Cost]) -> String {
    let costs: Vec<String> = costs.iter().map(Cost::to_string).collect();
    format!("in order: {}", costs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_read_from_the_order_of_calls() {
        assert_eq!(Turns::of(&["a", "b", "a", "b"]), Turns::Alternating);
        assert_eq!(Turns::of(&["b", "a", "b"]), Turns::Alternating);
        assert_eq!(Turns::of(&["a", "a", "b", "a"]), Turns::Both);
        assert_eq!(Turns::of(&["a", "a", "a"]), Turns::One);
        assert_eq!(Turns::of(&["a"]), Turns::One);
    }

    #[test]
    fn both_admits_an_alternation_by_chance_and_nothing_else_admits_another() {
        assert!(Turns::Both.admits(Turns::Alternating));
        assert!(!Turns::Alternating.admits(Turns::Both));
        assert!(!Turns::One.admits(Turns::Both));
        assert!(!Turns::Both.admits(Turns::One));
        assert_eq!("alternating".parse(), Ok(Turns::Alternating));
        assert!("round robin".parse::<Turns>().is_err());
    }

    #[test]
    fn a_cost_reads_as_it_is_written() {
        let cost: Cost = "502 (1 + 0)".parse().unwrap();
        assert_eq!(
            cost,
            Cost {
                status: 502,
                first: 1,
                second: 0
            }
        );
        assert_eq!(cost.to_string(), "502 (1 + 0)");
        assert_eq!("none (2 + 1)".parse::<Cost>().unwrap().status, NO_ANSWER);
        assert!("502 (1, 0)".parse::<Cost>().is_err());
        assert!("502".parse::<Cost>().is_err());
    }

    #[test]
    fn in_order_is_exact_and_each_one_of_is_a_set() {
        let seen: Vec<Cost> = ["500 (3 + 0)", "200 (1 + 1)", "200 (1 + 1)"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        let costs = |cell: &str| cell.parse::<Costs>().unwrap();
        assert!(costs("in order: 500 (3 + 0), 200 (1 + 1), 200 (1 + 1)").admits(&seen));
        assert!(!costs("in order: 200 (1 + 1), 500 (3 + 0), 200 (1 + 1)").admits(&seen));
        assert!(costs("each one of: 200 (0 + 1), 200 (1 + 1), 500 (3 + 0)").admits(&seen));
        assert!(!costs("each one of: 200 (1 + 1)").admits(&seen));
        assert!("500 (3 + 0)".parse::<Costs>().is_err());
        assert_eq!(in_order(&seen), "in order: 500 (3 + 0), 200 (1 + 1), 200 (1 + 1)");
    }
}
