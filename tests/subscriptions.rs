//! `/events/api/v1/subscriptions` through the front door: production's check order for a new
//! subscription (spec §3), reading, listing and deleting (§5), each rule a test.

mod common;

use altinn_events_mock::{MockServer, Party, SubscriptionValidation};
use common::receiver::Receiver;
use common::{Answer, TestServer, start_with};
use serde_json::{Value, json};

const SUBSCRIPTIONS: &str = "/events/api/v1/subscriptions";
const SOURCE: &str = "https://ttd.apps.altinn.no/ttd/apps-test";
const APP_RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

async fn server() -> TestServer {
    start_with(
        MockServer::builder()
            .subscription_validation(SubscriptionValidation::Manual)
            .parties([
                Party::person(50001, "01038712345"),
                Party::organisation(50100, "950474084"),
            ]),
    )
    .await
}

async fn post(server: &TestServer, token: &str, body: &str) -> Answer {
    server
        .send(
            server
                .client
                .post(server.url(SUBSCRIPTIONS))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        )
        .await
}

fn assert_message(answer: &Answer, status: u16, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(answer.body, serde_json::to_string(message).unwrap());
}

fn assert_empty(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body, "");
    assert_eq!(answer.content_type(), None);
}

fn hook() -> String {
    "https://hook.example/events".into()
}

#[tokio::test]
async fn rule_a_no_token_is_an_empty_401() {
    let server = server().await;
    let answer = server
        .send(
            server
                .client
                .post(server.url(SUBSCRIPTIONS))
                .json(&json!({})),
        )
        .await;
    assert_empty(&answer, 401);
    let answer = server
        .send(server.client.get(server.url(&format!("{SUBSCRIPTIONS}/1"))))
        .await;
    assert_empty(&answer, 401);
}

#[tokio::test]
async fn a_content_type_that_is_not_json_is_a_415_and_none_at_all_too() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    let text = server
        .send(
            server
                .client
                .post(server.url(SUBSCRIPTIONS))
                .bearer_auth(&token)
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(text.status, 415);
    assert_eq!(
        text.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
    assert_eq!(text.json()["title"], "Unsupported Media Type");
    let none = server
        .send(
            server
                .client
                .post(server.url(SUBSCRIPTIONS))
                .bearer_auth(&token)
                .body("{}"),
        )
        .await;
    assert_eq!(none.status, 415);
    assert_eq!(none.content_type(), Some("application/json; charset=utf-8"));
}

#[tokio::test]
async fn rule_b_a_body_that_does_not_bind_is_a_validation_problem() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    for (body, key) in [
        ("", ""),
        ("{\"endPoint\": \"https://a.no\",}", "$"),
        (r#"{"includeSubunits": null}"#, "$.includeSubunits"),
        (r#"{"endpoint": "https://"}"#, "$.endpoint"),
    ] {
        let answer = post(&server, &token, body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(
            answer.content_type(),
            Some("application/json; charset=utf-8")
        );
        let problem = answer.json();
        assert_eq!(problem["title"], "One or more validation errors occurred.");
        assert!(problem["errors"][key].is_array(), "{body}: {}", answer.body);
    }
}

#[tokio::test]
async fn rule_1_the_endpoint_must_be_an_absolute_https_url() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    for endpoint in [
        "",
        "skd/flyttemelding",
        "altinn.no/ttd/apps-test/",
        "platform.altinn.no/",
        "http://altinn.no/ttd/",
        "sftp://altinn.no/ttd/",
    ] {
        let body = json!({"endPoint": endpoint, "sourceFilter": SOURCE}).to_string();
        let answer = post(&server, &token, &body).await;
        assert_message(
            &answer,
            400,
            "Missing or invalid endpoint to push events towards",
        );
    }
}

#[tokio::test]
async fn rule_2_a_source_filter_must_be_an_absolute_https_url() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    for source in [
        "",
        "ttd/apps-test",
        "http://ttd.apps.altinn.no/ttd/apps-test",
    ] {
        let body = json!({"endPoint": hook(), "sourceFilter": source}).to_string();
        let answer = post(&server, &token, &body).await;
        assert_message(
            &answer,
            400,
            "SourceFilter must be an absolute URL with the https scheme.",
        );
    }
}

#[tokio::test]
async fn rule_3_a_generic_subscription_without_the_scope_is_an_empty_403() {
    let server = server().await;
    let body =
        json!({"endPoint": hook(), "resourceFilter": "urn:altinn:resource:ttd-test"}).to_string();
    let without = server.token("org=ttd").await;
    assert_empty(&post(&server, &without, &body).await, 403);
    let with = server.token("org=ttd&scope=altinn:events.subscribe").await;
    assert_eq!(post(&server, &with, &body).await.status, 201);
}

#[tokio::test]
async fn rule_4_the_resource_filter_must_be_a_valid_urn() {
    let server = server().await;
    let token = server.token("org=ttd&scope=altinn:events.subscribe").await;
    for resource in ["", "urn:altinn:resource:APP_ttd_apps-test", "nope"] {
        let body = json!({"endPoint": hook(), "resourceFilter": resource}).to_string();
        assert_message(
            &post(&server, &token, &body).await,
            400,
            "Resource filter must be a valid urn",
        );
    }
}

#[tokio::test]
async fn rule_5_app_and_generic_validation_messages() {
    let server = server().await;
    let org = server.token("org=ttd").await;
    let person = server.token("userId=1337&partyId=50001").await;
    let scoped = server.token("org=ttd&scope=altinn:events.subscribe").await;
    let cases: [(&str, Value, &str); 6] = [
        (
            &person,
            json!({"endPoint": hook(), "sourceFilter": SOURCE}),
            "A valid subject to the authenticated identity is required",
        ),
        (
            &person,
            json!({"endPoint": hook(), "sourceFilter": SOURCE, "alternativeSubjectFilter": "/person/14029112345"}),
            "A valid subject to the authenticated identity is required",
        ),
        (
            &org,
            json!({"endPoint": hook(), "sourceFilter": SOURCE, "includeSubunits": true}),
            "IncludeSubunits requires a subject filter.",
        ),
        (
            &org,
            json!({"endPoint": hook(), "sourceFilter": "https://ttd.apps.altinn.no/ttd/apps-test/instances/1337"}),
            "A valid app id is required in source filter {environment}/{org}/{app}",
        ),
        (
            &org,
            json!({"endPoint": hook(), "sourceFilter": SOURCE, "resourceFilter": "urn:altinn:resource:app_ttd_other"}),
            "Provided resource filter and source filter are not compatible",
        ),
        (
            &scoped,
            json!({"endPoint": hook(), "resourceFilter": "urn:altinn:resource:ttd-test", "alternativeSubjectFilter": "/person/1"}),
            "AlternativeSubject filter is not supported for subscriptions on this resource.",
        ),
    ];
    for (token, body, message) in cases {
        assert_message(&post(&server, token, &body.to_string()).await, 400, message);
    }
}

#[tokio::test]
async fn rule_6_a_service_owner_may_not_subscribe_to_another_orgs_app() {
    let server = server().await;
    let skd = server.token("org=skd").await;
    let body = json!({"endPoint": hook(), "resourceFilter": APP_RESOURCE}).to_string();
    assert_message(
        &post(&server, &skd, &body).await,
        403,
        "Not authorized to create a subscription for resource urn:altinn:resource:app_ttd_apps-test.",
    );
    let person = server.token("userId=1337&partyId=50001").await;
    let other_party =
        json!({"endPoint": hook(), "sourceFilter": SOURCE, "subjectFilter": "/party/2"})
            .to_string();
    assert_eq!(post(&server, &person, &other_party).await.status, 403);
    let own_party = json!({"endPoint": hook(), "sourceFilter": SOURCE, "alternativeSubjectFilter": "/person/01038712345"}).to_string();
    let created = post(&server, &person, &own_party).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["subjectFilter"], "/party/50001");
}

#[tokio::test]
async fn an_app_resource_without_a_second_underscore_is_production_s_500() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    let body =
        json!({"endPoint": hook(), "resourceFilter": "urn:altinn:resource:app_ttd"}).to_string();
    let answer = post(&server, &token, &body).await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

#[tokio::test]
async fn rule_7_created_is_201_with_the_stored_subscription_and_a_location_that_leads_nowhere() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    let body = json!({"EndPoint": "https://Webhook.Site:443/x", "sourceFilter": SOURCE, "typeFilter": "app.instance.created", "consumer": "ignored"}).to_string();
    let answer = post(&server, &token, &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        answer.header("location"),
        Some("/events/api/v1/subscription/1")
    );
    let created = answer.json();
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "endPoint",
            "sourceFilter",
            "resourceFilter",
            "typeFilter",
            "consumer",
            "createdBy",
            "created",
            "validated",
            "includeSubunits"
        ]
    );
    assert_eq!(created["endPoint"], "https://webhook.site/x");
    assert_eq!(created["resourceFilter"], APP_RESOURCE);
    assert_eq!(created["consumer"], "/org/ttd");
    assert_eq!(created["validated"], false);
    let followed = server
        .get_with("/events/api/v1/subscription/1", |r| r.bearer_auth(&token))
        .await;
    assert_eq!(followed.status, 404);
}

#[tokio::test]
async fn the_same_subscription_again_is_the_existing_row_with_201_and_a_new_handshake() {
    let receiver = Receiver::start();
    let server = start_with(MockServer::builder()).await;
    let token = server.token("org=ttd").await;
    let body =
        json!({"endPoint": receiver.url("/hook"), "resourceFilter": APP_RESOURCE}).to_string();
    let first = post(&server, &token, &body).await.json();
    server
        .server
        .wait_for_deliveries(1, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let second = post(&server, &token, &body).await;
    assert_eq!(second.status, 201);
    let second = second.json();
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["created"], first["created"]);
    assert_eq!(second["validated"], true, "the existing row, as it stands");
    server
        .server
        .wait_for_deliveries(2, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(server.server.subscriptions().len(), 1);
    let handshakes = receiver.received();
    assert_eq!(handshakes.len(), 2);
    assert_ne!(
        handshakes[0].json()["id"],
        handshakes[1].json()["id"],
        "a new id each time"
    );
}

#[tokio::test]
async fn reading_a_subscription_checks_existence_before_ownership() {
    let server = server().await;
    let ttd = server.token("org=ttd").await;
    let skd = server.token("org=skd").await;
    let body = json!({"endPoint": hook(), "sourceFilter": SOURCE}).to_string();
    assert_eq!(post(&server, &ttd, &body).await.status, 201);
    let get = |token: String, id: &str| {
        let path = format!("{SUBSCRIPTIONS}/{id}");
        let server = &server;
        async move { server.get_with(&path, |r| r.bearer_auth(token)).await }
    };
    let own = get(ttd.clone(), "1").await;
    assert_eq!(own.status, 200);
    assert_eq!(own.json()["id"], 1);
    assert_empty(&get(skd.clone(), "1").await, 403);
    assert_empty(&get(ttd.clone(), "2").await, 404);
    assert_empty(&get(ttd.clone(), "0").await, 404);
    for id in ["abc", "9999999999"] {
        let answer = get(ttd.clone(), id).await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.json()["errors"]["id"][0],
            format!("The value '{id}' is not valid.")
        );
    }
}

#[tokio::test]
async fn listing_shows_the_callers_subscriptions_validated_or_not() {
    let server = server().await;
    let ttd = server.token("org=ttd").await;
    let skd = server.token("org=skd").await;
    post(
        &server,
        &ttd,
        &json!({"endPoint": hook(), "sourceFilter": SOURCE}).to_string(),
    )
    .await;
    post(
        &server,
        &skd,
        &json!({"endPoint": hook(), "sourceFilter": "https://skd.apps.altinn.no/skd/mva-melding"})
            .to_string(),
    )
    .await;
    post(
        &server,
        &ttd,
        &json!({"endPoint": hook(), "sourceFilter": SOURCE, "typeFilter": "t"}).to_string(),
    )
    .await;
    let list = server
        .get_with(SUBSCRIPTIONS, |r| r.bearer_auth(&ttd))
        .await;
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(list["count"], 2);
    let ids: Vec<u64> = list["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 3]);
    let nobody = server.token("orgNumber=999999999").await;
    let empty = server
        .get_with(SUBSCRIPTIONS, |r| r.bearer_auth(&nobody))
        .await
        .json();
    assert_eq!(empty, json!({"count": 0, "subscriptions": []}));
}

#[tokio::test]
async fn deleting_answers_200_empty_then_404() {
    let server = server().await;
    let ttd = server.token("org=ttd").await;
    let skd = server.token("org=skd").await;
    post(
        &server,
        &ttd,
        &json!({"endPoint": hook(), "sourceFilter": SOURCE}).to_string(),
    )
    .await;
    let delete = |token: &str| {
        server.send(
            server
                .client
                .delete(server.url(&format!("{SUBSCRIPTIONS}/1")))
                .bearer_auth(token.to_owned()),
        )
    };
    assert_empty(&delete(&skd).await, 403);
    assert_empty(&delete(&ttd).await, 200);
    assert_empty(&delete(&ttd).await, 404);
    assert!(server.server.subscriptions().is_empty());
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let server = server().await;
    let answer = server
        .send(server.client.put(server.url(SUBSCRIPTIONS)))
        .await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET, POST"));
    let answer = server
        .send(
            server
                .client
                .post(server.url(&format!("{SUBSCRIPTIONS}/1"))),
        )
        .await;
    assert_eq!(answer.header("allow"), Some("GET, DELETE"));
}

#[tokio::test]
async fn an_organisation_may_subscribe_to_its_own_party() {
    let server = server().await;
    let organisation = server.token("orgNumber=950474084").await;
    let body = json!({"endPoint": hook(), "sourceFilter": SOURCE, "alternativeSubjectFilter": "/organisation/950474084"}).to_string();
    let created = post(&server, &organisation, &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["consumer"], "/organisation/950474084");
    let system_user = server
        .token("systemUserId=f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f")
        .await;
    let refused = post(
        &server,
        &system_user,
        &json!({"endPoint": hook(), "sourceFilter": SOURCE, "subjectFilter": "/party/50100"})
            .to_string(),
    )
    .await;
    assert_eq!(refused.status, 403, "system users need a grant");
}

#[tokio::test]
async fn the_grants_every_stand_in_shares_decide_subscriptions_too() {
    const GUID: &str = "f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f";
    let server = start_with(
        MockServer::builder()
            .subscription_validation(SubscriptionValidation::Manual)
            .parties([Party::organisation(50100, "950474084")])
            .grant(format!("systemuser:{GUID} read party:50100 app:ttd/apps-test").as_str())
            .resource_access(altinn_events_mock::ResourceAccess::Grants)
            .grant("org:ttd subscribe urn:altinn:resource:ttd-granted"),
    )
    .await;
    let system_user = server
        .token(&format!("systemUserId={GUID}&orgNumber=950474084"))
        .await;
    let party = |subject: &str| {
        json!({"endPoint": hook(), "sourceFilter": SOURCE, "subjectFilter": subject}).to_string()
    };
    let granted = post(&server, &system_user, &party("/party/50100")).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let other_party = post(&server, &system_user, &party("/party/50101")).await;
    assert_eq!(other_party.status, 403, "the grant names one party");

    // With --resource-access grants, a generic resource needs a `subscribe` grant.
    let owner = server.token("org=ttd&scope=altinn:events.subscribe").await;
    let generic =
        |resource: &str| json!({"endPoint": hook(), "resourceFilter": resource}).to_string();
    let answer = post(&server, &owner, &generic("urn:altinn:resource:ttd-granted")).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let answer = post(&server, &owner, &generic("urn:altinn:resource:ttd-other")).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
}
