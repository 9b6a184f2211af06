//! CSRF tokens. Signed in, every form carries the session's token
//! ([`crate::access::session::csrf_token`]). Before sign-in there is no
//! session: the sign-in form carries an HMAC of a random nonce kept in the
//! `abt_signin` cookie (a signed double submit), keyed by a secret the
//! server draws at start-up. A page from another site can neither read the
//! token nor send the Strict cookie.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The server's signing key for sign-in forms.
pub struct Key([u8; 32]);

impl Key {
    /// A new random key.
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        Key(k)
    }

    fn mac(&self, nonce: &str) -> Hmac<Sha256> {
        // An HMAC takes a key of any length.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(b"signin\0");
        m.update(nonce.as_bytes());
        m
    }

    /// A new nonce for the cookie and the form's token for it.
    pub fn issue(&self) -> (String, String) {
        let mut n = [0u8; 24];
        rand::rng().fill_bytes(&mut n);
        let nonce = URL_SAFE_NO_PAD.encode(n);
        let token = self.token(&nonce);
        (nonce, token)
    }

    /// The form's token for a nonce the browser already holds (so that two
    /// open sign-in tabs both work); a new nonce when it holds none we
    /// could have issued.
    pub fn reuse(&self, nonce: Option<String>) -> (String, String) {
        match nonce.filter(|n| n.len() == 32 && URL_SAFE_NO_PAD.decode(n).is_ok()) {
            Some(n) => {
                let token = self.token(&n);
                (n, token)
            }
            None => self.issue(),
        }
    }

    fn token(&self, nonce: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(nonce).finalize().into_bytes())
    }

    /// Whether `token` was issued for `nonce` (in constant time).
    pub fn verify(&self, nonce: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(token)
            .is_ok_and(|t| self.mac(nonce).verify_slice(&t).is_ok())
    }
}

/// Whether two tokens are equal, compared through their digests so the time
/// taken says nothing about the expected one.
pub fn same(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_token_is_valid_only_for_its_nonce_and_key() {
        let k = Key::random();
        let (nonce, token) = k.issue();
        assert!(k.verify(&nonce, &token));
        let (other, _) = k.issue();
        assert!(!k.verify(&other, &token));
        assert!(!Key::random().verify(&nonce, &token));
        assert!(!k.verify(&nonce, "garbage!"));
    }

    #[test]
    fn a_held_nonce_is_kept_and_a_strange_one_replaced() {
        let k = Key::random();
        let (nonce, token) = k.issue();
        assert_eq!(k.reuse(Some(nonce.clone())), (nonce.clone(), token));
        let (fresh, t) = k.reuse(Some("short".into()));
        assert_ne!(fresh, "short");
        assert!(k.verify(&fresh, &t));
    }
}
