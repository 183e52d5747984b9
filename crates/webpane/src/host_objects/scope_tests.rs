use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Value, json};

use super::*;

/// A scope whose answers are collected.
fn scope_with(name: &str, object: &HostObject) -> (Rc<HostObjectScope>, Rc<RefCell<Vec<Value>>>) {
    let scope = Rc::new(HostObjectScope::default());
    scope.add(name, object, None);
    (scope, Rc::new(RefCell::new(Vec::new())))
}

fn ask(scope: &Rc<HostObjectScope>, answers: &Rc<RefCell<Vec<Value>>>, request: Value) -> Value {
    let sink = answers.clone();
    let answerer = Answerer {
        send: Rc::new(move |json| sink.borrow_mut().push(serde_json::from_str(&json).unwrap())),
        spawn: Rc::new(|_| panic!("no futures here")),
    };
    let before = answers.borrow().len();
    scope.handle(&request.to_string(), "https://app.test", answerer);
    let answers = answers.borrow();
    assert_eq!(answers.len(), before + 1, "one answer to {request}");
    answers.last().unwrap().clone()
}

#[test]
fn calls_read_and_write_as_the_page_asks() {
    let object = HostObject::new()
        .with_property("count", 1)
        .with_read_only_property("kind", "counter")
        .with_method("add", |args| {
            Ok((args[0].as_f64().unwrap_or(0.0) + args[1].as_f64().unwrap_or(0.0)).into())
        });
    let (scope, answers) = scope_with("sample", &object);
    let sum = ask(
        &scope,
        &answers,
        json!({"op":"call","c":1,"t":{"n":"sample"},"m":"add","a":[{"j":2},{"j":3}]}),
    );
    assert_eq!(sum, json!({"c":1,"ok":{"j":5.0}}));
    let count = ask(
        &scope,
        &answers,
        json!({"op":"get","c":2,"t":{"n":"sample"},"m":"count"}),
    );
    assert_eq!(count, json!({"c":2,"ok":{"j":1}}));
    let set = ask(
        &scope,
        &answers,
        json!({"op":"set","c":3,"t":{"n":"sample"},"m":"count","v":{"j":7}}),
    );
    assert_eq!(set, json!({"c":3,"ok":{}}));
    assert_eq!(object.property("count").and_then(|v| v.as_i64()), Some(7));
    let read_only = ask(
        &scope,
        &answers,
        json!({"op":"set","c":4,"t":{"n":"sample"},"m":"kind","v":{"j":"x"}}),
    );
    assert_eq!(read_only["err"], "the host object's 'kind' is read-only");
}

#[test]
fn failures_are_answers_with_a_message() {
    let object = HostObject::new().with_method("fail", |_| Err(HostError::new("it failed")));
    let (scope, answers) = scope_with("sample", &object);
    let failed = ask(
        &scope,
        &answers,
        json!({"op":"call","c":1,"t":{"n":"sample"},"m":"fail"}),
    );
    assert_eq!(failed, json!({"c":1,"err":"it failed"}));
    let missing = ask(
        &scope,
        &answers,
        json!({"op":"get","c":2,"t":{"n":"sample"},"m":"nope"}),
    );
    assert_eq!(missing["err"], "the host object has no member 'nope'");
    let lenient = ask(
        &scope,
        &answers,
        json!({"op":"get","c":3,"t":{"n":"sample"},"m":"nope","i":true}),
    );
    assert_eq!(lenient, json!({"c":3,"ok":{}}));
    let unknown = ask(&scope, &answers, json!({"op":"get","c":4,"t":{"n":"other"},"m":null}));
    assert_eq!(
        unknown["err"],
        "no host object named 'other' was added to this document"
    );
    let released = ask(&scope, &answers, json!({"op":"get","c":5,"t":{"h":99},"m":null}));
    assert_eq!(released["err"], "the host object was released");
    // Not understood at all: no answer, no panic.
    scope.handle(
        "{\"op\":\"teleport\"}",
        "https://app.test",
        Answerer {
            send: Rc::new(|_| panic!("no answer to nonsense")),
            spawn: Rc::new(|_| ()),
        },
    );
}

#[test]
fn objects_handed_to_the_page_are_counted_and_released() {
    let child = HostObject::new().with_property("name", "child");
    let c = child.clone();
    let object = HostObject::new().with_method("child", move |_| Ok(c.clone().into()));
    let (scope, answers) = scope_with("sample", &object);
    let first = ask(
        &scope,
        &answers,
        json!({"op":"call","c":1,"t":{"n":"sample"},"m":"child"}),
    );
    let second = ask(
        &scope,
        &answers,
        json!({"op":"call","c":2,"t":{"n":"sample"},"m":"child"}),
    );
    let id = first["ok"]["h"].as_u64().unwrap();
    assert_eq!(second["ok"]["h"].as_u64(), Some(id), "the same object, the same id");
    // Passed back, it is the same object.
    let seen = Rc::new(RefCell::new(None));
    let s = seen.clone();
    let object = object.with_method("take", move |args| {
        s.replace(args[0].as_object().cloned());
        Ok(HostValue::Undefined)
    });
    ask(
        &scope,
        &answers,
        json!({"op":"call","c":3,"t":{"n":"sample"},"m":"take","a":[{"h":id}]}),
    );
    assert!(seen.borrow().as_ref().unwrap().ptr_eq(&child));
    drop(object);
    // Handed twice: one release of one is not the end.
    scope.handle(&json!({"op":"release","h":id,"n":1}).to_string(), "", no_answer());
    assert_eq!(scope.handed_count(), 1);
    scope.handle(&json!({"op":"release","h":id,"n":1}).to_string(), "", no_answer());
    assert_eq!(scope.handed_count(), 0);
    let gone = ask(&scope, &answers, json!({"op":"get","c":4,"t":{"h":id},"m":"name"}));
    assert_eq!(gone["err"], "the host object was released");
}

fn no_answer() -> Answerer {
    Answerer {
        send: Rc::new(|json| panic!("unexpected answer {json}")),
        spawn: Rc::new(|_| ()),
    }
}

#[test]
fn a_new_document_releases_everything_and_late_answers_are_dropped() {
    let kept: Rc<RefCell<Option<HostReply>>> = Rc::default();
    let k = kept.clone();
    let object = HostObject::new()
        .with_method("me", |_| Ok(HostValue::Array(vec![HostObject::new().into(), 1.into()])))
        .with_deferred_method("later", move |_, reply| {
            k.replace(Some(reply));
        });
    let (scope, answers) = scope_with("sample", &object);
    let both = ask(&scope, &answers, json!({"op":"call","c":1,"t":{"n":"sample"},"m":"me"}));
    assert_eq!(both["ok"]["a"][1], json!({"j":1}));
    assert_eq!(scope.handed_count(), 1);
    let sink = answers.clone();
    scope.handle(
        &json!({"op":"call","c":2,"t":{"n":"sample"},"m":"later"}).to_string(),
        "",
        Answerer {
            send: Rc::new(move |json| sink.borrow_mut().push(serde_json::from_str(&json).unwrap())),
            spawn: Rc::new(|_| ()),
        },
    );
    assert_eq!(answers.borrow().len(), 1, "not answered yet");
    scope.new_document();
    assert_eq!(scope.handed_count(), 0);
    kept.take().unwrap().answer(Ok(5.into()));
    assert_eq!(answers.borrow().len(), 1, "the asking document is gone");
}

#[test]
fn a_dropped_reply_rejects() {
    let object = HostObject::new().with_deferred_method("later", |_, reply| drop(reply));
    let (scope, answers) = scope_with("sample", &object);
    let answer = ask(
        &scope,
        &answers,
        json!({"op":"call","c":9,"t":{"n":"sample"},"m":"later"}),
    );
    assert_eq!(answer, json!({"c":9,"err":"the host did not answer"}));
}

#[test]
fn origins_limit_named_objects() {
    let scope = Rc::new(HostObjectScope::default());
    scope.add("only", &HostObject::new(), Some(vec!["https://*.example.com".into()]));
    assert!(scope.named("only", "https://a.example.com").is_ok());
    assert!(scope.named("only", "https://example.org").is_err());
    // An opaque origin (a frame of about:blank, data:, app:page.html) reaches only objects
    // open to every origin (the cases of origins themselves: `webpane_ipc::origin`).
    assert!(scope.named("only", "null").is_err());
    scope.add("open", &HostObject::new(), Some(vec!["*".into()]));
    assert!(scope.named("open", "null").is_ok());
}

#[test]
fn deep_values_are_refused() {
    let object = HostObject::new().with_method("take", |_| Ok(HostValue::Undefined));
    let (scope, answers) = scope_with("sample", &object);
    let nest = |levels: usize| {
        let mut value = json!({"j": 1});
        for _ in 0..levels {
            value = json!({ "a": [value] });
        }
        value
    };
    let answer = ask(
        &scope,
        &answers,
        json!({"op":"call","c":1,"t":{"n":"sample"},"m":"take","a":[nest(40)]}),
    );
    assert_eq!(answer["err"], "the value nests too deeply");
    // Deeper than JSON is read at all: still answered, by its call id.
    let request = format!(
        "{{\"op\":\"call\",\"c\":2,\"t\":{{\"n\":\"sample\"}},\"m\":\"take\",\"a\":[{}]}}",
        nest(100)
    );
    let sink = answers.clone();
    scope.handle(
        &request,
        "",
        Answerer {
            send: Rc::new(move |json| sink.borrow_mut().push(serde_json::from_str(&json).unwrap())),
            spawn: Rc::new(|_| ()),
        },
    );
    let answer = answers.borrow().last().unwrap().clone();
    assert_eq!(answer["c"], 2);
    assert!(
        answer["err"]
            .as_str()
            .unwrap()
            .starts_with("the host object request could not be read")
    );
}
