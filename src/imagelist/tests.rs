use super::*;
use serde_json::json;
use time::macros::datetime;

/// `[HT] imagelist.json` verbatim (spec §4), trailing spaces after commas included.
const HEPIX_EXAMPLE: &str = r#"{
    "hv:imagelist": {
        "dc:date:created": "2011-03-10T17:09:12Z", 
        "dc:date:expires": "2011-04-07T17:09:12Z", 
        "dc:description": "a README example of an image list", 
        "dc:identifier": "4e186b44-2c64-40ea-97d5-e9e5c0bce059", 
        "dc:source": "example.org", 
        "dc:title": "README example", 
        "hv:endorser": {
            "hv:x509": {
                "dc:creator": "Owen Synge", 
                "hv:ca": "/C=DE/O=GermanGrid/CN=GridKa-CA", 
                "hv:dn": "/C=DE/O=GermanGrid/OU=DESY/CN=Owen Synge", 
                "hv:email": "owen.synge@desy.de"
            }
        }, 
        "hv:images": [
            {
                "hv:image": {
                    "dc:description": "This is an README example VM", 
                    "dc:identifier": "488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d", 
                    "dc:title": "README example VM", 
                    "hv:hypervisor": "kvm", 
                    "hv:size": 2147483648, 
                    "hv:uri": "http://example.org/example-image.img", 
                    "hv:version": "1", 
                    "sl:arch": "x86_64", 
                    "sl:checksum:sha512": "8b4c269a60da1061b434b696c4a89293bea847b66bd8ba486a914d4209df651193ee8d454f8231840b7500fab6740620c7111d9a17d08b743133dc393ba2c0d4", 
                    "sl:comments": "Vanila install with contextulization scripts", 
                    "sl:os": "Linux", 
                    "sl:osversion": "SL 5.5"
                }
            }
        ], 
        "hv:uri": "http://example.org/example-image-list.image_list", 
        "hv:version": "1"
    }
}

"#;

const SHA: &str = "8b4c269a60da1061b434b696c4a89293bea847b66bd8ba486a914d4209df651193ee8d454f8231840b7500fab6740620c7111d9a17d08b743133dc393ba2c0d4";

/// Shaped like the AppDB test list of `grnet/snf-vmcatcher` (string sizes, `ad:*` keys),
/// with a real-looking checksum, `ad:vo` and a per-image expiry added.
fn appdb_list() -> Value {
    json!({
        "hv:imagelist": {
            "dc:date:created": "2014-06-16T12:45:37Z",
            "dc:date:expires": "2499-12-31T22:00:00Z",
            "dc:description": "Description",
            "dc:identifier": "FOOBAR",
            "dc:source": "https://appdb.egi.eu/",
            "dc:title": "CernVM",
            "ad:swid": "810",
            "ad:vo": "testvo",
            "hv:endorser": {"hv:x509": {
                "dc:creator": "EGI Applications Database",
                "hv:ca": "", "hv:dn": "", "hv:email": "_@_"
            }},
            "hv:images": [
                {"hv:image": {
                    "dc:description": "Description",
                    "dc:identifier": "FOOBAR_",
                    "ad:mpuri": "https://FOOBAR_/7f1c5d25-614e-4409-bfa6-625d3ae7b9d4:619/",
                    "dc:title": "Image [Scientific Linux/6.0/KVM]",
                    "ad:group": "General group",
                    "hv:hypervisor": "KVM",
                    "hv:format": "OVA",
                    "hv:ram_minimum": "512",
                    "ad:ram_recommended": "1024",
                    "hv:core_minimum": "1",
                    "ad:core_recommended": "4",
                    "hv:size": "121243136",
                    "hv:uri": "http://FOO/FOO.ova",
                    "hv:version": "3.3.0-1",
                    "sl:arch": "x86_64",
                    "sl:checksum:sha512": SHA.to_uppercase(),
                    "sl:comments": "",
                    "sl:os": "Linux",
                    "sl:osname": "Scientific Linux",
                    "sl:osversion": "6.0",
                    "ad:user:fullname": "FOO BAR",
                    "ad:user:guid": "FOOBAR__",
                    "ad:user:uri": "https://FOO_/person/FOO%20BAR",
                    "dc:date:expires": "2030-01-01T00:00:00Z"
                }}
            ],
            "hv:uri": "https://FOO_/image.list",
            "hv:version": "3.3.0"
        }
    })
}

fn image_json(id: &str) -> Value {
    json!({"hv:image": {
        "dc:title": "t", "dc:description": "d", "hv:size": 10,
        "sl:checksum:sha512": SHA, "sl:arch": "x86_64", "hv:uri": "http://x/y",
        "dc:identifier": id, "sl:os": "Linux", "sl:osversion": "9",
        "sl:comments": "", "hv:hypervisor": "kvm", "hv:version": "1"
    }})
}

fn list_with(images: Vec<Value>) -> Value {
    json!({"hv:imagelist": {
        "dc:date:created": "2024-01-01T00:00:00Z",
        "dc:date:expires": "2024-02-01T00:00:00Z",
        "dc:identifier": "11111111-2222-3333-4444-555555555555",
        "dc:description": "d", "dc:title": "t", "dc:source": "s",
        "hv:version": "1", "hv:uri": "https://example.org/list",
        "hv:endorser": {"hv:x509": {
            "hv:ca": "/CN=CA", "hv:dn": "/CN=signer", "hv:email": "a@b", "dc:creator": "c"
        }},
        "hv:images": images
    }})
}

fn parse_value(v: &Value) -> Result<ParsedList, ImageListError> {
    ImageList::parse(serde_json::to_string_pretty(v).unwrap().as_bytes())
}

/// Applies `f` to the inner list object of `v`.
fn edit_list(mut v: Value, f: impl FnOnce(&mut Map<String, Value>)) -> Value {
    f(v["hv:imagelist"].as_object_mut().unwrap());
    v
}

/// Applies `f` to the first image object of `v`.
fn edit_image(mut v: Value, f: impl FnOnce(&mut Map<String, Value>)) -> Value {
    f(v["hv:imagelist"]["hv:images"][0]["hv:image"]
        .as_object_mut()
        .unwrap());
    v
}

#[test]
fn hepix_example_parses() {
    let parsed = ImageList::parse(HEPIX_EXAMPLE.as_bytes()).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let l = parsed.list;
    assert!(!l.bare_format);
    assert_eq!(l.created, datetime!(2011-03-10 17:09:12 UTC));
    assert_eq!(l.expires, datetime!(2011-04-07 17:09:12 UTC));
    assert_eq!(l.identifier, "4e186b44-2c64-40ea-97d5-e9e5c0bce059");
    assert_eq!(l.description, "a README example of an image list");
    assert_eq!(l.title, "README example");
    assert_eq!(l.source, "example.org");
    assert_eq!(l.version, "1");
    assert_eq!(l.uri, "http://example.org/example-image-list.image_list");
    assert_eq!(
        l.endorser,
        Endorser {
            dn: "/C=DE/O=GermanGrid/OU=DESY/CN=Owen Synge".into(),
            ca: "/C=DE/O=GermanGrid/CN=GridKa-CA".into(),
            email: "owen.synge@desy.de".into(),
            creator: "Owen Synge".into(),
        }
    );
    assert_eq!(l.vo, None);
    assert!(l.extra.is_empty());
    assert_eq!(l.images.len(), 1);
    let i = &l.images[0];
    assert_eq!(i.index, 0);
    assert_eq!(i.identifier, "488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d");
    assert_eq!(i.title, "README example VM");
    assert_eq!(i.description, "This is an README example VM");
    assert_eq!(i.size, 2_147_483_648);
    assert_eq!(i.sha512.as_given(), SHA);
    assert_eq!(i.sha512.normalized(), SHA);
    assert!(i.sha512.is_well_formed());
    assert_eq!(i.arch, "x86_64");
    assert_eq!(i.uri, "http://example.org/example-image.img");
    assert_eq!(i.os, "Linux");
    assert_eq!(i.os_version, "SL 5.5");
    assert_eq!(i.comments, "Vanila install with contextulization scripts");
    assert_eq!(i.hypervisor, "kvm");
    assert_eq!(i.version, "1");
    assert_eq!(i.expires, None);
    assert_eq!(i.effective_expires, l.expires);
    // Raw object kept in the file's key order.
    let keys: Vec<&str> = i.raw.keys().map(String::as_str).collect();
    assert_eq!(keys.first(), Some(&"dc:description"));
    assert_eq!(keys.last(), Some(&"sl:osversion"));
    assert_eq!(keys.len(), 12);
    assert_eq!(l.image("488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d"), Some(i));
    assert_eq!(l.image("nope"), None);
}

#[test]
fn appdb_list_parses_with_keys_kept() {
    let parsed = parse_value(&appdb_list()).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let l = parsed.list;
    assert_eq!(l.identifier, "FOOBAR");
    assert_eq!(l.vo.as_deref(), Some("testvo"));
    assert_eq!(l.endorser.dn, "");
    assert_eq!(l.endorser.ca, "");
    assert_eq!(l.extra.len(), 1);
    assert_eq!(l.extra["ad:swid"], "810");
    let i = &l.images[0];
    assert_eq!(i.size, 121_243_136);
    assert_eq!(i.version, "3.3.0-1");
    assert_eq!(i.comments, "");
    assert_eq!(i.sha512.as_given(), SHA.to_uppercase());
    assert_eq!(i.sha512.normalized(), SHA);
    assert_eq!(i.expires, Some(datetime!(2030-01-01 00:00:00 UTC)));
    assert_eq!(i.effective_expires, datetime!(2030-01-01 00:00:00 UTC));
    for key in [
        "ad:mpuri",
        "hv:format",
        "ad:user:fullname",
        "sl:osname",
        "hv:ram_minimum",
        "ad:group",
        "dc:date:expires",
    ] {
        assert!(i.raw.contains_key(key), "{key}");
    }
    assert_eq!(i.raw["hv:format"], "OVA");
    assert_eq!(i.raw["hv:size"], "121243136");
    let prefixed: Vec<(String, &Value)> = i.prefixed_raw().collect();
    assert_eq!(prefixed.len(), i.raw.len());
    assert_eq!(prefixed[0].0, "hv:image.dc:description");
    assert_eq!(
        prefixed[2],
        ("hv:image.ad:mpuri".to_string(), &i.raw["ad:mpuri"])
    );
}

#[test]
fn effective_expiry_is_capped_by_the_list() {
    let v = edit_image(list_with(vec![image_json("a")]), |img| {
        img.insert("dc:date:expires".into(), json!("2030-01-01T00:00:00Z"));
    });
    let l = parse_value(&v).unwrap().list;
    assert_eq!(
        l.images[0].expires,
        Some(datetime!(2030-01-01 00:00:00 UTC))
    );
    assert_eq!(l.images[0].effective_expires, l.expires);
}

#[test]
fn bare_form_warns() {
    let inner = appdb_list()["hv:imagelist"].clone();
    let parsed = parse_value(&inner).unwrap();
    assert!(parsed.list.bare_format);
    assert_eq!(parsed.warnings, [BARE_FORMAT_WARNING]);
    assert_eq!(
        BARE_FORMAT_WARNING,
        "deprecated bare image list format (no hv:imagelist wrapper)"
    );
    assert_eq!(parsed.list.images.len(), 1);
}

#[test]
fn missing_list_keys_are_named() {
    for key in [
        "dc:date:created",
        "dc:date:expires",
        "dc:identifier",
        "dc:description",
        "dc:title",
        "dc:source",
        "hv:version",
        "hv:uri",
        "hv:endorser",
        "hv:images",
    ] {
        let v = edit_list(list_with(vec![]), |l| {
            l.remove(key);
        });
        let err = parse_value(&v).unwrap_err();
        assert_eq!(err, ImageListError::MissingKey { key: key.into() });
        assert!(err.to_string().contains(key), "{err}");
    }
    for key in ["hv:ca", "hv:dn", "hv:email", "dc:creator"] {
        let mut v = list_with(vec![]);
        v["hv:imagelist"]["hv:endorser"]["hv:x509"]
            .as_object_mut()
            .unwrap()
            .remove(key);
        let err = parse_value(&v).unwrap_err();
        assert_eq!(
            err,
            ImageListError::MissingKey {
                key: format!("hv:endorser/hv:x509/{key}")
            }
        );
    }
    let v = edit_list(list_with(vec![]), |l| {
        l.insert("hv:endorser".into(), json!({}));
    });
    assert_eq!(
        parse_value(&v).unwrap_err(),
        ImageListError::MissingKey {
            key: "hv:endorser/hv:x509".into()
        }
    );
}

#[test]
fn wrong_typed_list_keys_are_named() {
    let cases = [
        ("dc:identifier", json!(["x"]), "a string", "an array"),
        ("hv:uri", json!(null), "a string", "null"),
        ("dc:title", json!(true), "a string", "a boolean"),
        ("hv:images", json!({}), "an array", "an object"),
        ("hv:endorser", json!("x"), "an object", "a string"),
        ("dc:date:created", json!(20240101), "", ""),
    ];
    for (key, value, expected, found) in cases {
        let v = edit_list(list_with(vec![]), |l| {
            l.insert(key.into(), value);
        });
        let err = parse_value(&v).unwrap_err();
        if expected.is_empty() {
            // A number is stringified, then fails as a date.
            assert!(matches!(err, ImageListError::BadDate { .. }), "{err}");
        } else {
            assert_eq!(
                err,
                ImageListError::WrongType {
                    key: key.into(),
                    expected,
                    found
                }
            );
        }
    }
    let v = json!({"hv:imagelist": "x"});
    assert_eq!(
        parse_value(&v).unwrap_err(),
        ImageListError::NotAnObject {
            what: "hv:imagelist",
            found: "a string"
        }
    );
}

#[test]
fn invalid_json_and_non_objects() {
    let err = ImageList::parse(b"{\n  \"hv:imagelist\": {\n    \"a\": 1,\n  }\n}").unwrap_err();
    match &err {
        ImageListError::Json { line, column, .. } => {
            assert_eq!((*line, *column), (4, 3));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("line 4 column 3"), "{err}");
    assert!(matches!(
        ImageList::parse(b"").unwrap_err(),
        ImageListError::Json { .. }
    ));
    assert!(matches!(
        ImageList::parse(b"\xff\xfe{}").unwrap_err(),
        ImageListError::Json { .. }
    ));
    for (text, found) in [
        ("[]", "an array"),
        ("\"x\"", "a string"),
        ("null", "null"),
        ("1", "a number"),
    ] {
        assert_eq!(
            ImageList::parse(text.as_bytes()).unwrap_err(),
            ImageListError::NotAnObject {
                what: "the top-level value",
                found
            }
        );
    }
}

#[test]
fn bad_list_date_formats() {
    for bad in [
        "2011-03-10 17:09:12",
        "2011-03-10T17:09:12+01:00",
        "2011-03-10",
        "10/03/2011",
    ] {
        let v = edit_list(list_with(vec![]), |l| {
            l.insert("dc:date:expires".into(), json!(bad));
        });
        assert_eq!(
            parse_value(&v).unwrap_err(),
            ImageListError::BadDate {
                key: "dc:date:expires".into(),
                value: bad.into()
            }
        );
    }
}

#[test]
fn crlf_and_bom_are_tolerated() {
    let crlf = HEPIX_EXAMPLE.replace('\n', "\r\n");
    let parsed = ImageList::parse(crlf.as_bytes()).unwrap();
    assert_eq!(parsed.list.images.len(), 1);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(crlf.as_bytes());
    let parsed = ImageList::parse(&with_bom).unwrap();
    assert_eq!(parsed.list.images[0].size, 2_147_483_648);
}

#[test]
fn numbers_where_strings_are_expected() {
    let v = edit_list(list_with(vec![image_json("a")]), |l| {
        l.insert("hv:version".into(), json!(7));
        l.insert("dc:title".into(), json!(1.5));
        l.insert("ad:vo".into(), json!(42));
    });
    let v = edit_image(v, |img| {
        img.insert("hv:version".into(), json!(3));
        img.insert("sl:osversion".into(), json!(9.1));
        img.insert("sl:comments".into(), json!(null));
        img.insert("hv:size".into(), json!("0"));
    });
    let parsed = parse_value(&v).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let l = parsed.list;
    assert_eq!(l.version, "7");
    assert_eq!(l.title, "1.5");
    assert_eq!(l.vo.as_deref(), Some("42"));
    let i = &l.images[0];
    assert_eq!(i.version, "3");
    assert_eq!(i.os_version, "9.1");
    assert_eq!(i.comments, "");
    assert_eq!(i.size, 0);
    // The raw object still holds the original JSON types.
    assert_eq!(i.raw["hv:version"], json!(3));
}

#[test]
fn empty_or_null_vo_is_none() {
    for vo in [json!(""), json!(null)] {
        let v = edit_list(list_with(vec![]), |l| {
            l.insert("ad:vo".into(), vo);
        });
        let parsed = parse_value(&v).unwrap();
        assert_eq!(parsed.list.vo, None);
        assert!(parsed.warnings.is_empty());
    }
    let v = edit_list(list_with(vec![]), |l| {
        l.insert("ad:vo".into(), json!(["a"]));
    });
    let parsed = parse_value(&v).unwrap();
    assert_eq!(parsed.list.vo, None);
    assert_eq!(parsed.warnings.len(), 1);
    assert!(parsed.warnings[0].contains("ad:vo"));
}

#[test]
fn image_missing_key_is_skipped_with_warning() {
    let broken = edit_image(list_with(vec![image_json("broken")]), |img| {
        img.remove("sl:os");
        img.remove("hv:version");
    })["hv:imagelist"]["hv:images"][0]
        .clone();
    let no_id = edit_image(list_with(vec![image_json("x")]), |img| {
        img.remove("dc:identifier");
    })["hv:imagelist"]["hv:images"][0]
        .clone();
    let v = list_with(vec![
        image_json("good"),
        broken,
        no_id,
        json!("junk"),
        json!({}),
    ]);
    let parsed = parse_value(&v).unwrap();
    let ids: Vec<&str> = parsed
        .list
        .images
        .iter()
        .map(|i| i.identifier.as_str())
        .collect();
    assert_eq!(ids, ["good"]);
    assert_eq!(parsed.warnings.len(), 4, "{:?}", parsed.warnings);
    let w = &parsed.warnings;
    assert!(
        w[0].contains("\"broken\"") && w[0].contains("hv:images[1]"),
        "{}",
        w[0]
    );
    assert!(
        w[0].contains("`sl:os`") && w[0].contains("`hv:version`"),
        "{}",
        w[0]
    );
    assert!(
        w[1].contains("hv:images[2]") && w[1].contains("`dc:identifier`"),
        "{}",
        w[1]
    );
    assert!(w[2].contains("hv:images[3]"), "{}", w[2]);
    assert!(w[3].contains("hv:images[4]"), "{}", w[3]);
}

#[test]
fn invalid_image_values_skip_the_image() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("hv:size", json!(-1), "hv:size"),
        ("hv:size", json!("-1"), "hv:size"),
        ("hv:size", json!("12a"), "hv:size"),
        ("hv:size", json!(""), "hv:size"),
        ("hv:size", json!(1.5), "hv:size"),
        ("hv:size", json!("99999999999999999999999"), "hv:size"),
        ("hv:size", json!(null), "hv:size"),
        (
            "sl:checksum:sha512",
            json!("CHECKSUM"),
            "sl:checksum:sha512",
        ),
        ("sl:checksum:sha512", json!(&SHA[1..]), "sl:checksum:sha512"),
        (
            "sl:checksum:sha512",
            json!(format!("{}g", &SHA[1..])),
            "sl:checksum:sha512",
        ),
        ("dc:date:expires", json!("2030-01-01"), "dc:date:expires"),
        ("dc:date:expires", json!(5), "dc:date:expires"),
        ("hv:uri", json!({"a": 1}), "hv:uri"),
        ("dc:title", json!([1]), "dc:title"),
    ];
    for (key, value, named) in cases {
        let v = edit_image(list_with(vec![image_json("a")]), |img| {
            img.insert(key.into(), value.clone());
        });
        let parsed = parse_value(&v).unwrap();
        assert!(parsed.list.images.is_empty(), "{key} = {value}");
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].contains(named), "{}", parsed.warnings[0]);
    }
}

#[test]
fn unsafe_image_identifiers_refuse_the_list() {
    for bad in [
        "",
        "a/b",
        "../../etc/passwd",
        "a\0b",
        "a\nb",
        ".",
        "..",
        ".hidden",
        "cache.index",
        &"x".repeat(101),
    ] {
        let v = list_with(vec![image_json("ok"), image_json(bad)]);
        let err = parse_value(&v).unwrap_err();
        match &err {
            ImageListError::UnsafeIdentifier {
                owner, identifier, ..
            } => {
                assert_eq!(owner, "image hv:images[1]");
                assert_eq!(identifier, bad);
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        // Control characters are escaped in the message.
        assert!(!err.to_string().contains('\n') && !err.to_string().contains('\0'));
    }
    // Even on an image that would be skipped for another reason.
    let v = edit_image(list_with(vec![image_json("../x")]), |img| {
        img.remove("sl:os");
    });
    assert!(matches!(
        parse_value(&v).unwrap_err(),
        ImageListError::UnsafeIdentifier { .. }
    ));
    // Safe non-UUID identifiers are fine.
    let v = list_with(vec![
        image_json("FOOBAR_"),
        image_json("a..b"),
        image_json("42"),
    ]);
    assert_eq!(parse_value(&v).unwrap().list.images.len(), 3);
}

#[test]
fn unsafe_list_identifier_refuses_the_list() {
    let v = edit_list(list_with(vec![]), |l| {
        l.insert("dc:identifier".into(), json!("../x"));
    });
    assert!(matches!(
        parse_value(&v).unwrap_err(),
        ImageListError::UnsafeIdentifier { owner, .. } if owner == "image list"
    ));
}

#[test]
fn duplicate_image_identifiers_refuse_the_list() {
    let v = list_with(vec![image_json("a"), image_json("b"), image_json("a")]);
    assert_eq!(
        parse_value(&v).unwrap_err(),
        ImageListError::DuplicateIdentifier {
            identifier: "a".into(),
            first: 0,
            second: 2
        }
    );
    // Numeric and string spellings of one identifier collide too.
    let v = list_with(vec![image_json("7"), image_json("x")]);
    let v = edit_image(v, |img| {
        img.insert("dc:identifier".into(), json!(7));
    });
    assert!(parse_value(&v).is_ok());
    let mut v = list_with(vec![image_json("7"), image_json("7")]);
    v["hv:imagelist"]["hv:images"][0]["hv:image"]["dc:identifier"] = json!(7);
    assert!(matches!(
        parse_value(&v).unwrap_err(),
        ImageListError::DuplicateIdentifier { .. }
    ));
}

#[test]
fn unknown_list_keys_kept_in_order() {
    let v = edit_list(list_with(vec![]), |l| {
        l.insert("zz:last".into(), json!(1));
        l.insert("aa:first".into(), json!({"x": [1]}));
    });
    let l = parse_value(&v).unwrap().list;
    let keys: Vec<&str> = l.extra.keys().map(String::as_str).collect();
    assert_eq!(keys, ["zz:last", "aa:first"]);
}

#[test]
fn sha512_normalisation() {
    let c = Sha512::new(format!(" {} ", SHA.to_uppercase()));
    assert_eq!(c.normalized(), SHA);
    assert!(c.is_well_formed());
    assert!(c.as_given().starts_with(' '));
    assert!(!Sha512::new("").is_well_formed());
    assert!(!Sha512::new("CHECKSUM").is_well_formed());
}

#[test]
fn date_helpers_are_exported() {
    let t = parse_date("2499-12-31T22:00:00Z").unwrap();
    assert_eq!(format_date(t), "2499-12-31T22:00:00Z");
}
