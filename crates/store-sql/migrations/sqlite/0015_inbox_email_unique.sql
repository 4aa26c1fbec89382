-- One e-mail inbox per address across the installation: mail is routed to
-- an inbox by its address, so two would split one mailbox's conversations.
-- Was a check in the use case, which two requests at once could both pass.
-- (channel_type 2 is Channel::Email; addresses are stored lower-cased.)
CREATE UNIQUE INDEX inboxes_email_address ON inboxes (json_extract(channel_config, '$.email'))
    WHERE channel_type = 2;
