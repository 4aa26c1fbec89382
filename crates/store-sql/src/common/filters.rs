//! Translation of contact and conversation filters into SQL conditions.

use super::*;

/// `FROM contacts c WHERE ...` of a contact filter: the account, then the
/// conditions joined as given (AND binding tighter than OR, as in SQL).
pub(super) fn contact_filter_where(qb: &mut QueryBuilder<DB>, q: &ContactFilterQuery) {
    qb.push(" FROM contacts c WHERE c.account_id = ");
    qb.push_bind(q.account_id);
    if q.conditions.is_empty() {
        return;
    }
    qb.push(" AND (");
    for (i, cond) in q.conditions.iter().enumerate() {
        if i > 0 {
            qb.push(match q.conditions[i - 1].join {
                Join::And => " AND ",
                Join::Or => " OR ",
            });
        }
        push_contact_condition(qb, cond);
    }
    qb.push(")");
}

/// One contact filter condition. Columns and operators come from closed
/// enums; keys and values are always bound.
fn push_contact_condition(qb: &mut QueryBuilder<DB>, c: &ContactFilterCondition) {
    let text = |v: &FilterValue| match v {
        FilterValue::Text(t) => t.clone(),
        FilterValue::Int(i) => i.to_string(),
    };
    let int = |v: &FilterValue| match v {
        FilterValue::Int(i) => *i,
        FilterValue::Text(t) => t.parse().unwrap_or(0),
    };
    qb.push("(");
    match &c.field {
        ContactFilterField::Labels => {
            let negate = matches!(c.op, FilterOp::NotEqualTo | FilterOp::IsNotPresent);
            qb.push(if negate { "NOT EXISTS" } else { "EXISTS" });
            qb.push(" (SELECT 1 FROM contact_labels l WHERE l.contact_id = c.id");
            if matches!(c.op, FilterOp::EqualTo | FilterOp::NotEqualTo) {
                qb.push(" AND l.label IN (");
                let mut sep = qb.separated(", ");
                for v in &c.values {
                    sep.push_bind(text(v));
                }
                qb.push(")");
            }
            qb.push(")");
        }
        ContactFilterField::Blocked => {
            let want = c.values.first().map(int).unwrap_or(0) != 0;
            qb.push(if c.op == FilterOp::NotEqualTo {
                "c.blocked <> "
            } else {
                "c.blocked = "
            });
            qb.push_bind(want);
        }
        ContactFilterField::CreatedAt | ContactFilterField::LastActivityAt => {
            let col = if c.field == ContactFilterField::CreatedAt {
                "c.created_at"
            } else {
                "c.last_activity_at"
            };
            match c.values.first() {
                Some(v) => {
                    qb.push(col);
                    qb.push(if c.op == FilterOp::IsGreaterThan { " > " } else { " < " });
                    qb.push_bind(int(v));
                }
                None => {
                    qb.push("1 = 0");
                }
            }
        }
        field => {
            let (col, key): (&str, Option<String>) = match field {
                ContactFilterField::Name => ("c.name", None),
                ContactFilterField::Email => ("c.email", None),
                ContactFilterField::PhoneNumber => ("c.phone_number", None),
                ContactFilterField::Identifier => ("c.identifier", None),
                ContactFilterField::Additional(k) => ("c.additional_attributes", Some(k.to_string())),
                ContactFilterField::Custom(k) => ("c.custom_attributes", Some(k.clone())),
                _ => ("c.name", None),
            };
            let push_col = |qb: &mut QueryBuilder<DB>| {
                qb.push("LOWER(");
                match &key {
                    Some(k) => push_json_text(qb, col, k),
                    None => {
                        qb.push(col);
                    }
                }
                qb.push(")");
            };
            match c.op {
                FilterOp::EqualTo | FilterOp::NotEqualTo => {
                    push_col(qb);
                    qb.push(if c.op == FilterOp::EqualTo {
                        " IN ("
                    } else {
                        " NOT IN ("
                    });
                    let mut sep = qb.separated(", ");
                    for v in &c.values {
                        sep.push_bind(text(v));
                    }
                    qb.push(")");
                    if c.op == FilterOp::NotEqualTo {
                        qb.push(" OR ");
                        push_col(qb);
                        qb.push(" IS NULL");
                    }
                }
                FilterOp::Contains | FilterOp::DoesNotContain | FilterOp::StartsWith => {
                    let t = c.values.first().map(text).unwrap_or_default();
                    push_col(qb);
                    if c.op == FilterOp::DoesNotContain {
                        qb.push(" NOT LIKE ");
                    } else {
                        qb.push(" LIKE ");
                    }
                    qb.push_bind(if c.op == FilterOp::StartsWith {
                        like_prefix(&t)
                    } else {
                        like_pattern(&t)
                    });
                    qb.push(" ESCAPE '\\'");
                    if c.op == FilterOp::DoesNotContain {
                        qb.push(" OR ");
                        push_col(qb);
                        qb.push(" IS NULL");
                    }
                }
                FilterOp::IsPresent => {
                    push_col(qb);
                    qb.push(" IS NOT NULL AND ");
                    push_col(qb);
                    qb.push(" <> ''");
                }
                FilterOp::IsNotPresent => {
                    push_col(qb);
                    qb.push(" IS NULL OR ");
                    push_col(qb);
                    qb.push(" = ''");
                }
                FilterOp::IsGreaterThan | FilterOp::IsLessThan | FilterOp::DaysBefore => {
                    qb.push("1 = 0");
                }
            }
        }
    }
    qb.push(")");
}

/// The WHERE clause of a conversation list. `with_assignee` is false for the
/// counts, which Chatwoot takes before the assignee filter.
/// The conditions the counters key too (the inboxes the caller may see,
/// status, inbox, team), on columns named with `prefix`.
pub(super) fn push_folder_filters(qb: &mut QueryBuilder<DB>, q: &ConversationQuery, prefix: &str) {
    if let Some(ids) = &q.visible_inboxes {
        if ids.is_empty() {
            qb.push(" AND 1 = 0");
        } else {
            qb.push(format_args!(" AND {prefix}inbox_id IN "));
            push_ids(qb, ids);
        }
    }
    if let Some(statuses) = &q.statuses {
        qb.push(format_args!(" AND {prefix}status IN ("));
        let mut sep = qb.separated(", ");
        for s in statuses {
            sep.push_bind(*s);
        }
        qb.push(")");
    }
    if let Some(id) = q.inbox_id {
        qb.push(format_args!(" AND {prefix}inbox_id = "));
        qb.push_bind(id);
    }
    if let Some(id) = q.team_id {
        qb.push(format_args!(" AND {prefix}team_id = "));
        qb.push_bind(id);
    }
}

pub(super) fn conversation_filters(qb: &mut QueryBuilder<DB>, q: &ConversationQuery, with_assignee: bool) {
    qb.push(" WHERE c.account_id = ");
    qb.push_bind(q.account_id);
    push_folder_filters(qb, q, "c.");
    if let Some(id) = q.contact_id {
        qb.push(" AND c.contact_id = ");
        qb.push_bind(id);
    }
    if let Some(t) = q.updated_since {
        qb.push(" AND c.updated_at >= ");
        qb.push_bind(t);
    }
    if !q.labels.is_empty() {
        qb.push(" AND c.id IN (SELECT conversation_id FROM conversation_labels WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND label IN (");
        let mut sep = qb.separated(", ");
        for l in &q.labels {
            sep.push_bind(l.clone());
        }
        qb.push("))");
    }
    if let Some(user) = q.participant {
        qb.push(" AND c.id IN (SELECT conversation_id FROM conversation_participants WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND user_id = ");
        qb.push_bind(user);
        qb.push(")");
    }
    if let Some(user) = q.mentioned {
        qb.push(" AND c.id IN (SELECT conversation_id FROM mentions WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND user_id = ");
        qb.push_bind(user);
        qb.push(")");
    }
    if q.unattended {
        qb.push(" AND (c.first_reply_created_at IS NULL OR c.waiting_since IS NOT NULL)");
    }
    if let Some(s) = &q.source_id {
        qb.push(" AND c.contact_inbox_id IN (SELECT id FROM contact_inboxes WHERE source_id = ");
        qb.push_bind(s.clone());
        qb.push(")");
    }
    if let Some(text) = &q.q {
        // Messages the search index finds (as /search/messages does).
        qb.push(" AND c.id IN (SELECT conversation_id FROM messages WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND message_type IN (0, 1) AND id IN (");
        if !search::push_message_hits(qb, q.account_id, text) {
            qb.push("SELECT 0 WHERE 1 = 0");
        }
        qb.push("))");
    }
    if let Some(text) = q.matching.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        qb.push(" AND (");
        if let Ok(n) = text.trim_start_matches('#').parse::<i64>() {
            qb.push("c.display_id = ");
            qb.push_bind(n);
            qb.push(" OR ");
        }
        qb.push("c.contact_id IN (SELECT id FROM contacts WHERE account_id = ");
        qb.push_bind(q.account_id);
        let folded = switchboard_domain::search::fold(text);
        if folded.chars().count() >= 3 {
            // Through the trigram index, or the exact identifier (a union,
            // so both go by index).
            qb.push(" AND id IN (");
            search::push_contact_hits(qb, q.account_id, &folded);
            qb.push(" UNION SELECT id FROM contacts WHERE account_id = ");
            qb.push_bind(q.account_id);
            qb.push(" AND identifier = ");
            qb.push_bind(text.to_string());
            qb.push(")))");
        } else {
            // One or two characters: the trigram index cannot help.
            let pattern = like_pattern(&text.to_lowercase());
            qb.push(" AND (LOWER(name) LIKE ");
            qb.push_bind(pattern.clone());
            qb.push(" ESCAPE '\\' OR LOWER(email) LIKE ");
            qb.push_bind(pattern.clone());
            qb.push(" ESCAPE '\\' OR phone_number LIKE ");
            qb.push_bind(pattern);
            qb.push(" ESCAPE '\\' OR identifier = ");
            qb.push_bind(text.to_string());
            qb.push(")))");
        }
    }
    if with_assignee {
        match q.assignee {
            AssigneeFilter::All => {}
            AssigneeFilter::Me => {
                qb.push(" AND c.assignee_id = ");
                qb.push_bind(q.user_id);
            }
            AssigneeFilter::Unassigned => {
                qb.push(" AND c.assignee_id IS NULL");
            }
            AssigneeFilter::Assigned => {
                qb.push(" AND c.assignee_id IS NOT NULL");
            }
        }
    }
    if !q.filter.is_empty() {
        qb.push(" AND (");
        for (i, cond) in q.filter.iter().enumerate() {
            if i > 0 {
                let join = match q.filter[i - 1].join {
                    Join::And => " AND ",
                    Join::Or => " OR ",
                };
                qb.push(join);
            }
            push_condition(qb, cond, q.account_id);
        }
        qb.push(")");
    }
}

/// One filter condition. Columns and operators come from closed enums;
/// values are always bound.
fn push_condition(qb: &mut QueryBuilder<DB>, c: &FilterCondition, account_id: i64) {
    if c.field == FilterField::Labels {
        let negate = matches!(
            c.op,
            FilterOp::NotEqualTo | FilterOp::DoesNotContain | FilterOp::IsNotPresent
        );
        qb.push(if negate { "c.id NOT IN " } else { "c.id IN " });
        qb.push("(SELECT conversation_id FROM conversation_labels WHERE account_id = ");
        qb.push_bind(account_id);
        if matches!(
            c.op,
            FilterOp::EqualTo | FilterOp::NotEqualTo | FilterOp::Contains | FilterOp::DoesNotContain
        ) && !c.values.is_empty()
        {
            qb.push(" AND label IN (");
            let mut sep = qb.separated(", ");
            for v in &c.values {
                if let FilterValue::Text(t) = v {
                    sep.push_bind(t.clone());
                } else if let FilterValue::Int(i) = v {
                    sep.push_bind(i.to_string());
                }
            }
            qb.push(")");
        }
        qb.push(")");
        return;
    }
    let (col, json_key): (&str, Option<&str>) = match &c.field {
        FilterField::Status => ("c.status", None),
        FilterField::Priority => ("c.priority", None),
        FilterField::AssigneeId => ("c.assignee_id", None),
        FilterField::InboxId => ("c.inbox_id", None),
        FilterField::TeamId => ("c.team_id", None),
        FilterField::DisplayId => ("c.display_id", None),
        FilterField::ContactId => ("c.contact_id", None),
        FilterField::CreatedAt => ("c.created_at", None),
        FilterField::LastActivityAt => ("c.last_activity_at", None),
        FilterField::WaitingSince => ("c.waiting_since", None),
        FilterField::Additional(k) => ("c.additional_attributes", Some(k.as_str())),
        FilterField::Custom(k) => ("c.custom_attributes", Some(k.as_str())),
        FilterField::Labels => ("", None),
    };
    let push_col = |qb: &mut QueryBuilder<DB>| match json_key {
        Some(k) => push_json_text(qb, col, k),
        None => {
            qb.push(col);
        }
    };
    let bind_value = |qb: &mut QueryBuilder<DB>, v: &FilterValue| match (v, json_key) {
        (FilterValue::Int(i), None) => {
            qb.push_bind(*i);
        }
        (FilterValue::Int(i), Some(_)) => {
            qb.push_bind(i.to_string());
        }
        (FilterValue::Text(t), _) => {
            qb.push_bind(t.clone());
        }
    };
    qb.push("(");
    match c.op {
        FilterOp::EqualTo | FilterOp::NotEqualTo => {
            if c.values.is_empty() {
                qb.push(if c.op == FilterOp::EqualTo { "1 = 0" } else { "1 = 1" });
            } else {
                push_col(qb);
                qb.push(if c.op == FilterOp::EqualTo {
                    " IN ("
                } else {
                    " NOT IN ("
                });
                for (i, v) in c.values.iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    bind_value(qb, v);
                }
                qb.push(")");
                if c.op == FilterOp::NotEqualTo {
                    qb.push(" OR ");
                    push_col(qb);
                    qb.push(" IS NULL");
                }
            }
        }
        FilterOp::Contains | FilterOp::DoesNotContain => {
            let text = match c.values.first() {
                Some(FilterValue::Text(t)) => t.clone(),
                Some(FilterValue::Int(i)) => i.to_string(),
                None => String::new(),
            };
            qb.push("LOWER(");
            push_col(qb);
            qb.push(if c.op == FilterOp::Contains {
                ") LIKE "
            } else {
                ") NOT LIKE "
            });
            qb.push_bind(like_pattern(&text.to_lowercase()));
            qb.push(" ESCAPE '\\'");
        }
        FilterOp::StartsWith => {
            let text = match c.values.first() {
                Some(FilterValue::Text(t)) => t.clone(),
                Some(FilterValue::Int(i)) => i.to_string(),
                None => String::new(),
            };
            qb.push("LOWER(");
            push_col(qb);
            qb.push(") LIKE ");
            qb.push_bind(like_prefix(&text.to_lowercase()));
            qb.push(" ESCAPE '\\'");
        }
        FilterOp::IsPresent => {
            push_col(qb);
            qb.push(" IS NOT NULL");
        }
        FilterOp::IsNotPresent => {
            push_col(qb);
            qb.push(" IS NULL");
        }
        FilterOp::IsGreaterThan | FilterOp::IsLessThan | FilterOp::DaysBefore => match c.values.first() {
            Some(v) => {
                push_col(qb);
                qb.push(if c.op == FilterOp::IsGreaterThan { " > " } else { " < " });
                bind_value(qb, v);
            }
            None => {
                qb.push("1 = 0");
            }
        },
    }
    qb.push(")");
}
