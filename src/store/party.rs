//! The party register: which party id a person or an organisation number stands for.
//!
//! Production asks Altinn Register (`POST v1/parties/lookup`) when a query names a `person` or
//! a `unit`. The fake learns the pairs from the events it stores (`subject` `/party/N` with
//! `alternativesubject` `/person/X` or `/org/Y`) and from fixtures that list them explicitly.

use std::collections::HashMap;

/// A national identity number or an organisation number, as a query names a party.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PartyIdentifier {
    /// An 11-digit national identity number (header `person`).
    Person(String),
    /// A 9-digit organisation number (query `unit`).
    Unit(String),
}

/// Maps identity and organisation numbers to party ids.
#[derive(Debug, Default, Clone)]
pub struct PartyRegister {
    explicit: HashMap<PartyIdentifier, i32>,
    /// Learned from events, keyed by the bare number so that checking a known one (every
    /// event) copies nothing.
    learned_persons: HashMap<String, i32>,
    learned_units: HashMap<String, i32>,
}

impl PartyRegister {
    /// Registers a pair given explicitly (a fixture's `parties`); it wins over learned pairs.
    pub fn insert(&mut self, identifier: PartyIdentifier, party_id: i32) {
        self.explicit.insert(identifier, party_id);
    }

    /// Learns the pair an event's `subject` and `alternativesubject` imply, if any. The first
    /// event to name an identifier decides its party.
    pub fn learn(&mut self, subject: Option<&str>, alternative_subject: Option<&str>) {
        let Some(party_id) = subject
            .and_then(|s| s.strip_prefix("/party/"))
            .and_then(|id| id.parse::<i32>().ok())
        else {
            return;
        };
        let Some(alternative) = alternative_subject else {
            return;
        };
        let (learned, number) = if let Some(person) = alternative.strip_prefix("/person/") {
            (&mut self.learned_persons, person)
        } else if let Some(org) = alternative.strip_prefix("/org/") {
            (&mut self.learned_units, org)
        } else {
            return;
        };
        if !learned.contains_key(number) {
            learned.insert(number.to_owned(), party_id);
        }
    }

    /// The party id registered for `identifier`.
    pub fn lookup(&self, identifier: &PartyIdentifier) -> Option<i32> {
        let learned = match identifier {
            PartyIdentifier::Person(number) => self.learned_persons.get(number),
            PartyIdentifier::Unit(number) => self.learned_units.get(number),
        };
        self.explicit.get(identifier).or(learned).copied()
    }

    /// Forgets the learned pairs (explicit ones stay).
    pub fn forget_learned(&mut self) {
        self.learned_persons.clear();
        self.learned_units.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_persons_and_units_from_event_subjects() {
        let mut register = PartyRegister::default();
        register.learn(Some("/party/1337"), Some("/person/01038712345"));
        register.learn(Some("/party/500000"), Some("/org/897069650"));
        let person = PartyIdentifier::Person("01038712345".into());
        assert_eq!(register.lookup(&person), Some(1337));
        assert_eq!(
            register.lookup(&PartyIdentifier::Unit("897069650".into())),
            Some(500000)
        );
    }

    #[test]
    fn explicit_pairs_win_and_the_first_learned_pair_sticks() {
        let mut register = PartyRegister::default();
        let person = PartyIdentifier::Person("01038712345".into());
        register.learn(Some("/party/1"), Some("/person/01038712345"));
        register.learn(Some("/party/2"), Some("/person/01038712345"));
        assert_eq!(register.lookup(&person), Some(1));
        register.insert(person.clone(), 3);
        assert_eq!(register.lookup(&person), Some(3));
    }

    #[test]
    fn ignores_subjects_that_are_not_parties() {
        let mut register = PartyRegister::default();
        register.learn(Some("/user/1"), Some("/person/01038712345"));
        register.learn(Some("/party/x"), Some("/person/01038712345"));
        register.learn(Some("/party/1"), Some("/thing/01038712345"));
        assert_eq!(
            register.lookup(&PartyIdentifier::Person("01038712345".into())),
            None
        );
    }
}
