-- 0008: who holds a countdown post's claim, and since when. A claim another live process made a
-- moment ago is never sent again; one whose holder went quiet (a kill between claim and send) is
-- retried with its recorded nonce, so Discord still sees one post.
ALTER TABLE countdown_posts ADD COLUMN claimed_by TEXT;
ALTER TABLE countdown_posts ADD COLUMN claimed_at TEXT;
