-- A person's browsers that take push notifications (Chatwoot's browser_push
-- notification subscriptions): the push service's endpoint and the keys the
-- browser gave (base64url: p256dh, its P-256 public key; auth, its secret).
-- Each person's own, across accounts; a browser subscribing again updates
-- its keys through the (user_id, endpoint) constraint.
-- Keep in step with ../postgres/0019_push_subscriptions.sql.
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, endpoint)
);
