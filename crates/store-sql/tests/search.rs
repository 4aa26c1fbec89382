//! Search conformance: the same messages found on SQLite (FTS5 + trigram)
//! and PostgreSQL (tsvector + pg_trgm) for Russian and English word forms,
//! accents and case, substrings of three characters or more, newest first
//! and paged; scoped by account, inbox and message type; edits re-indexed,
//! deleted conversations' messages gone. (The backfill of messages written
//! before search existed is tested through the API: tests/api/search.rs.)

#[macro_use]
mod support;

use std::sync::Arc;

use support::*;
use switchboard_domain::MessageType;
use switchboard_store::Store;

const TEXTS: [&str; 10] = [
    "Где мой заказ? Жду уже неделю",       // 0
    "Оформил два заказа, оба не пришли",   // 1
    "I asked for refunds twice",           // 2
    "Refunding takes 5 business days",     // 3
    "The CAFÉ on Main street is closed",   // 4
    "order #A-4521-XZ shipped",            // 5
    "ЁЛКА в подарок",                      // 6
    "Nothing to see here",                 // 7
    "Tracking number: 1Z999AA10123456784", // 8
    "мой адрес изменился",                 // 9
];

/// The indexes of TEXTS a search finds, in the order found.
async fn found(store: &Arc<dyn Store>, acc: i64, inboxes: Option<&[i64]>, q: &str, ids: &[i64]) -> Vec<usize> {
    let mut tx = store.read().await.unwrap();
    let rows = tx.search_messages(acc, inboxes, q, 50, 0).await.unwrap();
    rows.iter()
        .map(|m| ids.iter().position(|id| *id == m.id).unwrap_or(usize::MAX))
        .collect()
}

async fn words_stems_and_substrings(store: Arc<dyn Store>) {
    let (acc, inbox, _contact, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut ids = Vec::new();
    for (i, text) in TEXTS.iter().enumerate() {
        let mut m = message(&conv, None);
        m.content = Some(text.to_string());
        m.created_at = 10 + i as i64;
        ids.push(tx.insert_message(&m).await.unwrap().unwrap().id);
    }
    // An activity line mentioning an order is not searched.
    let mut activity = message(&conv, None);
    activity.message_type = MessageType::Activity;
    activity.content = Some("Conversation was resolved; заказ closed".into());
    tx.insert_message(&activity).await.unwrap();
    tx.commit().await.unwrap();

    let cases: [(&str, &[usize]); 16] = [
        // Russian word forms meet at their stem; newest first.
        ("заказы", &[1, 0]),
        ("ЗАКАЗ", &[1, 0]),
        // English forms too.
        ("refund", &[3, 2]),
        ("refunds", &[3, 2]),
        // Every word must be there (in some form).
        ("refunds twice", &[2]),
        ("заказ неделю", &[0]),
        // Accents and case fold away; ё is е.
        ("cafe", &[4]),
        ("Café main", &[4]),
        ("елка", &[6]),
        // й is its own letter: мой is not мои.
        ("мой", &[9, 0]),
        // Substrings of three characters or more, inside words and codes.
        ("4521-x", &[5]),
        ("999aa101", &[8]),
        ("efundi", &[3]),
        // Shorter than three characters and no whole word: nothing.
        ("zz", &[]),
        // Punctuation only: nothing, and no error.
        ("\"*:()", &[]),
        ("'; DROP TABLE messages; --", &[]),
    ];
    for (q, want) in cases {
        assert_eq!(found(&store, acc, None, q, &ids).await, want.to_vec(), "{q}");
    }
    // Paged: the second of two pages of one.
    let mut tx = store.read().await.unwrap();
    let page2 = tx.search_messages(acc, None, "заказ", 1, 1).await.unwrap();
    assert_eq!(page2.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[0]]);
    // Scoped: another account, an inbox list without this inbox, no inboxes.
    assert!(
        tx.search_messages(acc + 1, None, "заказ", 50, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.search_messages(acc, Some(&[inbox.id + 1000]), "заказ", 50, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.search_messages(acc, Some(&[]), "заказ", 50, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.search_messages(acc, Some(&[inbox.id]), "заказ", 50, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    drop(tx);

    // An edit re-indexes: the old words are gone, the new ones found.
    let mut tx = store.write().await.unwrap();
    let mut edited = tx.get_message(conv.id, ids[7]).await.unwrap().unwrap();
    edited.content = Some("Actually, where are my refunds?".into());
    tx.update_message(&edited).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(found(&store, acc, None, "nothing", &ids).await, Vec::<usize>::new());
    assert_eq!(found(&store, acc, None, "refund", &ids).await, vec![7, 3, 2]);

    // The conversation's deletion takes its messages' entries along.
    let mut tx = store.write().await.unwrap();
    assert!(tx.delete_inbox(acc, inbox.id).await.unwrap());
    tx.commit().await.unwrap();
    assert!(found(&store, acc, None, "заказ", &ids).await.is_empty());
    assert!(found(&store, acc, None, "4521", &ids).await.is_empty());
}
conformance!(words_stems_and_substrings);

/// Contacts by any part of their name, e-mail, phone or company (three
/// characters or more through the trigram index; shorter by scanning),
/// accents and case aside, or by their identifier exactly; conversations
/// by their contact the same way.
async fn contacts_by_any_part(store: Arc<dyn Store>) {
    use serde_json::json;
    use switchboard_store::{Contact, ContactQuery, ContactSort, ConversationQuery};
    let (acc, _inbox, carla, conv) = seed(&store).await;
    let mut tx = store.write().await.unwrap();
    let mut people = Vec::new();
    for (name, email, phone, company, identifier) in [
        (
            "María López",
            Some("maria@shop.test"),
            Some("+34600111222"),
            Some("Acme Iberia"),
            None,
        ),
        ("Борис Петров", None, Some("+79161234567"), None, Some("crm-77")),
        ("Jo", Some("jo@x.io"), None, Some("Zeta Labs"), None),
    ] {
        let c = tx
            .insert_contact(&Contact {
                id: 0,
                account_id: acc,
                name: name.into(),
                email: email.map(str::to_string),
                phone_number: phone.map(str::to_string),
                identifier: identifier.map(str::to_string),
                avatar_url: None,
                blocked: false,
                contact_type: 0,
                additional_attributes: company.map_or(json!({}), |c| json!({ "company_name": c })),
                custom_attributes: json!({}),
                last_activity_at: None,
                created_at: 2,
                updated_at: 2,
            })
            .await
            .unwrap();
        people.push(c.id);
    }
    tx.commit().await.unwrap();
    let find = |q: &str| {
        let store = store.clone();
        let q = q.to_string();
        async move {
            let mut tx = store.read().await.unwrap();
            let (rows, count) = tx
                .list_contacts(&ContactQuery {
                    account_id: acc,
                    search: Some(q.clone()),
                    labels: Vec::new(),
                    sort: ContactSort::Name,
                    descending: false,
                    only_resolved: false,
                    limit: 50,
                    offset: 0,
                    after: None,
                })
                .await
                .unwrap();
            assert_eq!(count as usize, rows.len(), "{q}");
            let mut ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
            ids.sort_unstable();
            ids
        }
    };
    let [maria, boris, jo] = [people[0], people[1], people[2]];
    assert_eq!(find("lopez").await, vec![maria], "accents fold");
    assert_eq!(find("MARÍA").await, vec![maria]);
    assert_eq!(find("maria@shop").await, vec![maria], "e-mail");
    assert_eq!(find("600111").await, vec![maria], "phone");
    assert_eq!(find("iberia").await, vec![maria], "company");
    assert_eq!(find("борис").await, vec![boris], "Cyrillic case");
    assert_eq!(find("crm-77").await, vec![boris], "identifier, exactly");
    assert_eq!(find("crm-7").await, Vec::<i64>::new(), "not part of an identifier");
    assert_eq!(find("jo").await, vec![jo], "two characters scan");
    assert_eq!(find("lopezmaria").await, Vec::<i64>::new(), "no match across fields");
    assert_eq!(find("shop.test").await, vec![maria]);
    assert!(!find("c@x.io").await.contains(&maria));
    assert_eq!(find("c@x.io").await, vec![carla.id]);
    // Another account's search finds none of them.
    let mut tx = store.read().await.unwrap();
    let (rows, _) = tx
        .list_contacts(&ContactQuery {
            account_id: acc + 1,
            search: Some("lopez".into()),
            labels: Vec::new(),
            sort: ContactSort::Name,
            descending: false,
            only_resolved: false,
            limit: 50,
            offset: 0,
            after: None,
        })
        .await
        .unwrap();
    assert!(rows.is_empty());
    // A conversation by its contact's details.
    let mut q = ConversationQuery::new(acc, 1);
    q.matching = Some("x.io".into());
    assert_eq!(
        tx.list_conversations(&q)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![conv.id]
    );
    q.matching = Some("lopez".into());
    assert!(tx.list_conversations(&q).await.unwrap().is_empty());
    drop(tx);
    // A rename re-indexes; a deleted contact is no longer found.
    let mut tx = store.write().await.unwrap();
    let mut m = tx.get_contact(acc, maria).await.unwrap().unwrap();
    m.name = "María Fernández".into();
    tx.update_contact(&m).await.unwrap();
    assert!(tx.delete_contact(acc, boris).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(find("lopez").await, Vec::<i64>::new());
    assert_eq!(find("fernandez").await, vec![maria]);
    assert_eq!(find("петров").await, Vec::<i64>::new());
}
conformance!(contacts_by_any_part);
