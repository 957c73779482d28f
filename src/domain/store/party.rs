//! The party register: which party id a person or an organisation number stands for.
//!
//! Production asks Altinn Register (`POST v1/parties/lookup`) when a query names a `person` or
//! a `unit`. The fake learns the pairs from the events it stores (`subject` `/party/N` with
//! `alternativesubject` `/person/X` or `/org/Y`) and from fixtures that list them explicitly.

use foldhash::HashMap;

/// A national identity number or an organisation number, as a query names a party.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PartyIdentifier {
    /// An 11-digit national identity number (header `person`).
    Person(String),
    /// A 9-digit organisation number (query `unit`).
    Unit(String),
}

/// An entry of the party register: which party id a person or an organisation stands for.
/// The register turns a query's `unit` parameter and `person` header into a party.
///
/// ```
/// use altinn_events_mock::{MockServer, Party};
///
/// let server = MockServer::builder()
///     .parties([Party::person(1337, "01038712345"), Party::organisation(500000, "897069650")])
///     .start_blocking();
/// # drop(server);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Party {
    party_id: u32,
    identifier: PartyIdentifier,
}

impl Party {
    /// Party `party_id` is the person with this 11-digit national identity number.
    pub fn person(party_id: u32, national_identity_number: impl Into<String>) -> Party {
        Party {
            party_id,
            identifier: PartyIdentifier::Person(national_identity_number.into()),
        }
    }

    /// Party `party_id` is the organisation with this 9-digit organisation number.
    pub fn organisation(party_id: u32, organisation_number: impl Into<String>) -> Party {
        Party {
            party_id,
            identifier: PartyIdentifier::Unit(organisation_number.into()),
        }
    }

    /// The party id.
    pub fn party_id(&self) -> u32 {
        self.party_id
    }

    /// The national identity number, for a person.
    pub fn national_identity_number(&self) -> Option<&str> {
        match &self.identifier {
            PartyIdentifier::Person(number) => Some(number),
            PartyIdentifier::Unit(_) => None,
        }
    }

    /// The organisation number, for an organisation.
    pub fn organisation_number(&self) -> Option<&str> {
        match &self.identifier {
            PartyIdentifier::Unit(number) => Some(number),
            PartyIdentifier::Person(_) => None,
        }
    }

    pub(crate) fn identifier(&self) -> &PartyIdentifier {
        &self.identifier
    }
}

/// Maps identity and organisation numbers to party ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct PartyRegister {
    explicit: HashMap<PartyIdentifier, u32>,
    /// Learned from events, keyed by the bare number so that checking a known one (every
    /// event) copies nothing.
    learned_persons: HashMap<String, u32>,
    learned_units: HashMap<String, u32>,
}

impl PartyRegister {
    /// Registers a pair given explicitly (a fixture's `parties`); it wins over learned pairs.
    pub(crate) fn insert(&mut self, party: Party) {
        self.explicit.insert(party.identifier, party.party_id);
    }

    /// Learns the pair an event's `subject` and `alternativesubject` imply, if any. The first
    /// event to name an identifier decides its party.
    pub(crate) fn learn(&mut self, subject: Option<&str>, alternative_subject: Option<&str>) {
        let Some(party_id) = subject
            .and_then(|s| s.strip_prefix("/party/"))
            .and_then(|id| id.parse::<u32>().ok())
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
    pub(crate) fn lookup(&self, identifier: &PartyIdentifier) -> Option<u32> {
        let learned = match identifier {
            PartyIdentifier::Person(number) => self.learned_persons.get(number),
            PartyIdentifier::Unit(number) => self.learned_units.get(number),
        };
        self.explicit.get(identifier).or(learned).copied()
    }

    /// Forgets the learned pairs (explicit ones stay).
    pub(crate) fn forget_learned(&mut self) {
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
        register.insert(Party::person(3, "01038712345"));
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
