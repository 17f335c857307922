//! `awsnav config generate`: profiles for every account × role, written into a marked block of
//! the AWS config file, read back by the AWS CLI, boto3 and awsnav; user content untouched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::process::Command;

use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};

const USER_CONFIG: &str = "[default]\nregion = us-east-1\n\n# my own profile, keep it\n[profile mine]\nregion = eu-west-2\noutput = json";

#[tokio::test]
async fn generated_profiles_round_trip_through_the_aws_cli_boto3_and_awsnav() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &[OuSpec::new("Dev", 2, vec![])], 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = AwsnavCmd::new().with_user(&alice);
    awsnav.set("AWS_ENDPOINT_URL", &moto.url);
    awsnav.set("AWS_REGION", "us-east-1");
    let cli = crate::common::aws_cli();
    let path = format!(
        "{}:{}",
        cli.parent()
            .map_or_else(String::new, |p| p.display().to_string()),
        std::env::var("PATH").unwrap_or_default()
    );
    awsnav.set("PATH", &path);
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[roles]\ndefault = [\"OrganizationAccountAccessRole\", \"ReadOnly\"]\n",
    )
    .unwrap();
    let config = awsnav.path(".aws/config");
    std::fs::write(&config, USER_CONFIG).unwrap();
    assert!(awsnav.run(&["refresh"]).status.success());
    let accounts = seeded.accounts.len();

    // Printed without --write; nothing written.
    let out = awsnav.run(&["config", "generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("[profile ").count(), accounts * 2);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), USER_CONFIG);

    // Written: the user's text first, byte for byte, then the block; a backup of the old file.
    let out = awsnav.run(&["config", "generate", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("wrote {} profiles", accounts * 2)),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.starts_with(&format!("{USER_CONFIG}\n\n# >>> awsnav")),
        "{written}"
    );
    assert_eq!(
        std::fs::read_to_string(awsnav.path(".aws/config.awsnav-backup")).unwrap(),
        USER_CONFIG
    );

    // Again: nothing changes.
    let out = awsnav.run(&["config", "generate", "--write"]);
    assert!(stderr(&out).contains("already has"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);

    // The AWS CLI still reads the user's profile, and uses a generated one: credentials
    // through awsnav.
    let dev = seeded
        .accounts
        .iter()
        .find(|(_, a)| a.ou_path == ["Dev"] && a.tags["env"] != "prod")
        .map(|(id, a)| (id.clone(), a.name.clone()))
        .unwrap();
    let profile = format!("{}/OrganizationAccountAccessRole", dev.1);
    let region = Command::new(&cli)
        .args(["configure", "get", "region", "--profile", "mine"])
        .envs(env_of(&awsnav))
        .output()
        .unwrap();
    assert!(
        region.status.success(),
        "{}",
        String::from_utf8_lossy(&region.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&region.stdout).trim(), "eu-west-2");
    // An MFA session first (the CLI has no terminal to type a code on).
    let out = awsnav.run(&[
        "exec",
        &dev.0,
        "--role",
        "ReadOnly",
        "--mfa-code",
        "123456",
        "--",
        "true",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who = Command::new(&cli)
        .args(["sts", "get-caller-identity", "--profile", &profile])
        .envs(env_of(&awsnav))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    assert!(
        who.status.success(),
        "{}",
        String::from_utf8_lossy(&who.stderr)
    );
    let who: serde_json::Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(who["Account"], dev.0.as_str());

    // boto3 reads the same file.
    let script = format!(
        "import boto3\ns = boto3.Session()\nnames = s.available_profiles\nassert 'mine' in names, names\nassert {profile:?} in names, names\nprint(len(names))\nprint(boto3.Session(profile_name='mine').region_name)"
    );
    let py = Command::new(crate::common::python())
        .args(["-c", &script])
        .envs(env_of(&awsnav))
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&py.stdout).trim(),
        format!("{}\neu-west-2", 2 + accounts * 2)
    );

    // The other style replaces the block; the user's text is still untouched.
    std::fs::write(
        &config,
        format!("{written}[profile after]\nregion = ap-south-1\n"),
    )
    .unwrap();
    let out = awsnav.run(&[
        "config",
        "generate",
        "--write",
        "--style",
        "assume-role",
        "--roles",
        "ReadOnly",
        "--prefix",
        "org-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rewritten = std::fs::read_to_string(&config).unwrap();
    assert!(rewritten.starts_with(&format!("{USER_CONFIG}\n\n# >>> awsnav")));
    assert!(
        rewritten.ends_with(
            "# <<< awsnav generated profiles <<<\n[profile after]\nregion = ap-south-1\n"
        ),
        "{rewritten}"
    );
    assert!(!rewritten.contains("credential_process"));
    let arn = Command::new(&cli)
        .args([
            "configure",
            "get",
            "role_arn",
            "--profile",
            &format!("org-{}/ReadOnly", dev.1),
        ])
        .envs(env_of(&awsnav))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&arn.stdout).trim(),
        format!("arn:aws:iam::{}:role/ReadOnly", dev.0)
    );
    // awsnav itself imports the assume-role profiles and still lists every account.
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn env_of(awsnav: &AwsnavCmd) -> Vec<(String, String)> {
    awsnav
        .command(&[])
        .get_envs()
        .filter_map(|(k, v)| {
            Some((
                k.to_string_lossy().into_owned(),
                v?.to_string_lossy().into_owned(),
            ))
        })
        .collect()
}
