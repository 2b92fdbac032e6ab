#include "ConnectionOptions.h"
#include "ConnectionSettings.h"

#include <QTest>

using namespace streamscope;
using Transport = ConnectionSettings::Transport;

class TestConnectionSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { qunsetenv("REDISCLI_AUTH"); }

    void validUrls_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("transport");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<int>("db");
        QTest::addColumn<QString>("socket");

        QTest::newRow("default") << "redis://127.0.0.1:6379" << int(Transport::Tcp) << "127.0.0.1"
                                 << 6379 << ""
                                 << "" << 0 << "";
        QTest::newRow("no port") << "redis://cache.local" << int(Transport::Tcp) << "cache.local"
                                 << 6379 << ""
                                 << "" << 0 << "";
        QTest::newRow("db") << "redis://h:7000/3" << int(Transport::Tcp) << "h" << 7000 << ""
                            << "" << 3 << "";
        QTest::newRow("password only")
            << "redis://:s3cret@h" << int(Transport::Tcp) << "h" << 6379 << ""
            << "s3cret" << 0 << "";
        QTest::newRow("password without colon (redis-cli)")
            << "redis://s3cret@h" << int(Transport::Tcp) << "h" << 6379 << ""
            << "s3cret" << 0 << "";
        QTest::newRow("acl user") << "redis://alice:pw@h:6380/2" << int(Transport::Tcp) << "h"
                                  << 6380 << "alice"
                                  << "pw" << 2 << "";
        QTest::newRow("percent-encoded password")
            << "redis://bob:p%40ss%3Aw%2Frd@h" << int(Transport::Tcp) << "h" << 6379 << "bob"
            << "p@ss:w/rd" << 0 << "";
        QTest::newRow("tls") << "rediss://secure.example:6380" << int(Transport::Tls)
                             << "secure.example" << 6380 << ""
                             << "" << 0 << "";
        QTest::newRow("ipv6") << "redis://[::1]:6390" << int(Transport::Tcp) << "::1" << 6390 << ""
                              << "" << 0 << "";
        QTest::newRow("upper-case scheme")
            << "REDIS://h" << int(Transport::Tcp) << "h" << 6379 << ""
            << "" << 0 << "";
        QTest::newRow("unix") << "unix:///run/redis/redis.sock" << int(Transport::Unix) << "" << 0
                              << ""
                              << "" << 0 << "/run/redis/redis.sock";
        QTest::newRow("unix with db")
            << "unix:///tmp/r.sock?db=5" << int(Transport::Unix) << "" << 0 << ""
            << "" << 5 << "/tmp/r.sock";
        QTest::newRow("unix with auth")
            << "unix://u:p@/tmp/r.sock" << int(Transport::Unix) << "" << 0 << "u"
            << "p" << 0 << "/tmp/r.sock";
    }
    void validUrls() {
        QFETCH(QString, url);
        auto parsed = ConnectionSettings::fromUrl(url);
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().message));
        const ConnectionSettings &s = parsed.value();
        QTEST(int(s.transport), "transport");
        QTEST(s.host, "host");
        QTEST(int(s.port), "port");
        QTEST(s.user, "user");
        QTEST(s.password, "password");
        QTEST(s.db, "db");
        QTEST(s.socketPath, "socket");
    }

    void invalidUrls_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("mentions"); // the bad part must be named
        QTest::newRow("no scheme") << "127.0.0.1:6379"
                                   << "missing scheme";
        QTest::newRow("http") << "http://h"
                              << "unknown scheme \"http\"";
        QTest::newRow("empty host") << "redis://:6379"
                                    << "missing host";
        QTest::newRow("port text") << "redis://h:abc"
                                   << "port \"abc\"";
        QTest::newRow("port zero") << "redis://h:0"
                                   << "port \"0\"";
        QTest::newRow("port too big") << "redis://h:70000"
                                      << "port \"70000\"";
        QTest::newRow("db text") << "redis://h/x"
                                 << "database \"x\"";
        QTest::newRow("db negative") << "redis://h/-1"
                                     << "database \"-1\"";
        QTest::newRow("unterminated ipv6") << "redis://[::1:6379"
                                           << "IPv6";
        QTest::newRow("unix without path") << "unix://"
                                           << "missing socket path";
        QTest::newRow("unix with host") << "unix://host/tmp/s"
                                        << "takes no host";
        QTest::newRow("unknown parameter") << "redis://h?foo=1"
                                           << "unknown parameter \"foo\"";
    }
    void invalidUrls() {
        QFETCH(QString, url);
        QFETCH(QString, mentions);
        auto parsed = ConnectionSettings::fromUrl(url);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, Error::Kind::InvalidArgument);
        QVERIFY2(parsed.error().message.contains(mentions), qPrintable(parsed.error().message));
    }

    void passwordFromEnvironment() {
        qputenv("REDISCLI_AUTH", "from-env");
        auto s = ConnectionSettings::fromUrl(QStringLiteral("redis://h"));
        QVERIFY(s.ok());
        QCOMPARE(s->password, QStringLiteral("from-env"));
        // A password in the URL wins.
        auto t = ConnectionSettings::fromUrl(QStringLiteral("redis://:url-pw@h"));
        QCOMPARE(t->password, QStringLiteral("url-pw"));
    }

    void displayUrlHidesPassword() {
        auto s = ConnectionSettings::fromUrl(QStringLiteral("redis://alice:topsecret@h:6380/2"));
        QVERIFY(s.ok());
        const QString shown = s->displayUrl();
        QVERIFY(!shown.contains(QLatin1String("topsecret")));
        QCOMPARE(shown, QStringLiteral("redis://alice:***@h:6380/2"));
        auto back = ConnectionSettings::fromUrl(QStringLiteral("redis://h:6380/2"));
        QCOMPARE(back->displayUrl(), QStringLiteral("redis://h:6380/2"));
    }

    void redactUrl_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("shown");
        QTest::newRow("user and password") << "redis://alice:topsecret@h:6380/2"
                                           << "redis://alice:***@h:6380/2";
        QTest::newRow("password only") << "redis://:topsecret@h"
                                       << "redis://:***@h";
        QTest::newRow("redis-cli password form") << "redis://topsecret@h"
                                                 << "redis://***@h";
        QTest::newRow("@ inside the password") << "rediss://u:top@secret@h:1/0"
                                               << "rediss://u:***@h:1/0";
        QTest::newRow("unix") << "unix://u:topsecret@/tmp/r.sock?db=1"
                              << "unix://u:***@/tmp/r.sock?db=1";
        QTest::newRow("query parameter") << "redis://h?db=1&password=topsecret&user=u"
                                         << "redis://h?db=1&password=***&user=u";
        QTest::newRow("unparsable port") << "redis://:topsecret@h:99999"
                                         << "redis://:***@h:99999";
        QTest::newRow("no password") << "redis://alice:@h:6380"
                                     << "redis://alice:@h:6380";
        QTest::newRow("plain") << "redis://h:6380/2"
                               << "redis://h:6380/2";
        // Mistyped schemes: the password must not show in the error that names the mistake.
        QTest::newRow("scheme without colon") << "redis//bob:S3cretPW@127.0.0.1:6379"
                                              << "redis//bob:***@127.0.0.1:6379";
        QTest::newRow("scheme with one slash") << "redis:/bob:S3cretPW@h"
                                               << "redis:/bob:***@h";
        QTest::newRow("no scheme") << "bob:S3cretPW@h:6379"
                                   << "bob:***@h:6379";
        QTest::newRow("slash inside the password") << "redis://u:pa/ss@h"
                                                   << "redis://u:***@h";
    }
    void redactUrl() {
        QFETCH(QString, url);
        QFETCH(QString, shown);
        QCOMPARE(ConnectionSettings::redactUrl(url), shown);
        QCOMPARE(ConnectionSettings::urlHasPassword(url), url != shown);
    }

    // A URL that does not parse is quoted in the error, never with its password.
    void errorsNeverQuoteThePassword() {
        for (const char *url : {"redis://:topsecret@h:99999", "redis://u:topsecret@h/x",
                                "redis://h?password=topsecret&foo=1", "redis://topsecret@"}) {
            auto parsed = ConnectionSettings::fromUrl(QString::fromLatin1(url));
            QVERIFY2(!parsed.ok(), url);
            QVERIFY2(!parsed.error().message.contains(QLatin1String("topsecret")),
                     qPrintable(parsed.error().message));
        }
    }

    // The URL written back (to show or to store) reads back as the same user: "alice@" would be
    // read as a password, as redis-cli reads it.
    void userWithoutPasswordRoundTrips() {
        for (const bool mark : {false, true}) {
            auto s = ConnectionSettings::fromUrl(QStringLiteral("redis://alice:@h:6380/2"));
            QVERIFY(s.ok());
            QCOMPARE(s->user, QStringLiteral("alice"));
            QVERIFY(s->password.isEmpty());
            const QString written = s->displayUrl(mark);
            auto back = ConnectionSettings::fromUrl(written);
            QVERIFY2(back.ok(), qPrintable(written));
            QCOMPARE(back->user, QStringLiteral("alice"));
            QVERIFY2(back->password.isEmpty(), qPrintable(written));
            QCOMPARE(back.value(), s.value());
        }
        auto withPassword = ConnectionSettings::fromUrl(QStringLiteral("redis://alice:pw@h"));
        auto stored = ConnectionSettings::fromUrl(withPassword->displayUrl(false));
        QCOMPARE(stored->user, QStringLiteral("alice"));
        QVERIFY(stored->password.isEmpty());
    }

    // ?max-reply= survives being written back (a saved connection keeps it), in the largest
    // exact unit; the default is not written.
    void maxReplyRoundTrips_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("written");
        QTest::newRow("megabytes") << "redis://h:6380/2?max-reply=64M"
                                   << "redis://h:6380/2?max-reply=64M";
        QTest::newRow("bytes as kilobytes") << "redis://h?max-reply=1536000"
                                            << "redis://h:6379?max-reply=1500K";
        QTest::newRow("odd bytes") << "redis://h?max-reply=1025"
                                   << "redis://h:6379?max-reply=1025";
        QTest::newRow("gigabytes, tls, user") << "rediss://u:pw@h:1?max-reply=2g"
                                              << "rediss://u:@h:1?max-reply=2G";
        QTest::newRow("unix with db") << "unix:///tmp/r.sock?db=3&max-reply=1K"
                                      << "unix:///tmp/r.sock?db=3&max-reply=1K";
        QTest::newRow("the default") << "redis://h?max-reply=512M"
                                     << "redis://h:6379";
    }
    void maxReplyRoundTrips() {
        QFETCH(QString, url);
        QFETCH(QString, written);
        auto s = ConnectionSettings::fromUrl(url);
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s->displayUrl(false), written);
        auto back = ConnectionSettings::fromUrl(s->displayUrl(false));
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QCOMPARE(back->maxReplyBytes, s->maxReplyBytes);
        QCOMPARE(back->db, s->db);
    }
    // TLS parameters, as redis-cli's flags, on rediss:// only.
    void tlsParameters() {
        auto s = ConnectionSettings::fromUrl(
            "rediss://h:6380?cacert=/etc/ca.crt&cacertdir=/etc/cas&cert=/c.crt&key=/c.key"
            "&sni=redis.prod&insecure");
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s->tls.caFile, QStringLiteral("/etc/ca.crt"));
        QCOMPARE(s->tls.caDir, QStringLiteral("/etc/cas"));
        QCOMPARE(s->tls.certFile, QStringLiteral("/c.crt"));
        QCOMPARE(s->tls.keyFile, QStringLiteral("/c.key"));
        QCOMPARE(s->tls.sni, QStringLiteral("redis.prod"));
        QVERIFY(!s->tlsVerifyPeer);
        auto back = ConnectionSettings::fromUrl(s->displayUrl(false));
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QVERIFY(back.value() == s.value());
        QVERIFY(ConnectionSettings::fromUrl("rediss://h?insecure=0")->tlsVerifyPeer);
    }

    void tlsParameterErrors_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("says");
        QTest::newRow("cacert on redis://") << "redis://h?cacert=/ca.crt"
                                            << "use rediss://";
        QTest::newRow("empty cacert") << "rediss://h?cacert="
                                      << "needs a value";
        QTest::newRow("insecure=maybe") << "rediss://h?insecure=maybe"
                                        << "is not 1 or 0";
    }
    void tlsParameterErrors() {
        QFETCH(QString, url);
        QFETCH(QString, says);
        auto s = ConnectionSettings::fromUrl(url);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(says), qPrintable(s.error().message));
    }

    void sentinelUrls() {
        auto s = ConnectionSettings::fromUrl(
            "redis+sentinel://u:pw@10.0.0.1:26380,10.0.0.2,[::1]:26381/mymaster/2"
            "?sentinel-user=su&sentinel-password=spw");
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QVERIFY(s->viaSentinel());
        QCOMPARE(s->sentinel.masterName, QStringLiteral("mymaster"));
        QCOMPARE(s->sentinel.sentinels.size(), 3);
        QCOMPARE(s->sentinel.sentinels.at(0).toString(), QStringLiteral("10.0.0.1:26380"));
        QCOMPARE(s->sentinel.sentinels.at(1).toString(), QStringLiteral("10.0.0.2:26379"));
        QCOMPARE(s->sentinel.sentinels.at(2).toString(), QStringLiteral("[::1]:26381"));
        QCOMPARE(s->user, QStringLiteral("u")); // the data nodes' credentials
        QCOMPARE(s->password, QStringLiteral("pw"));
        QCOMPARE(s->sentinel.user, QStringLiteral("su"));
        QCOMPARE(s->sentinel.password, QStringLiteral("spw"));
        QCOMPARE(s->db, 2);
        QCOMPARE(s->transport, Transport::Tcp);
        QVERIFY(s->endpoint().contains(QLatin1String("mymaster")));

        // Written back without either password; the sentinels' is marked, not shown.
        const QString shown = s->displayUrl();
        QVERIFY2(!shown.contains(QLatin1String("spw")) && !shown.contains(QLatin1String(":pw")),
                 qPrintable(shown));
        QVERIFY2(shown.contains(QLatin1String("sentinel-password=***")), qPrintable(shown));
        auto back = ConnectionSettings::fromUrl(s->displayUrl(false));
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QCOMPARE(back->sentinel.sentinels, s->sentinel.sentinels);
        QCOMPARE(back->sentinel.masterName, s->sentinel.masterName);
        QCOMPARE(back->db, 2);

        // Lettuce's spelling and TLS.
        auto tls = ConnectionSettings::fromUrl("rediss-sentinel://h/m?cacert=/ca.crt");
        QVERIFY2(tls.ok(), qPrintable(tls.error().message));
        QCOMPARE(tls->transport, Transport::Tls);
        QCOMPARE(tls->tls.caFile, QStringLiteral("/ca.crt"));

        // Any secret-looking parameter is redacted, and a passphrase is refused with where to
        // give it instead.
        QCOMPARE(ConnectionSettings::redactUrl("rediss://h?key=k&passphrase=S3cret&sni=n"),
                 QStringLiteral("rediss://h?key=k&passphrase=***&sni=n"));
        auto passphrase = ConnectionSettings::fromUrl("rediss://h?key=k&key-passphrase=S3cret");
        QVERIFY(!passphrase.ok());
        QVERIFY2(!passphrase.error().message.contains(QLatin1String("S3cret"))
                     && passphrase.error().message.contains(
                         QLatin1String("STREAMSCOPE_TLS_KEY_PASSPHRASE")),
                 qPrintable(passphrase.error().message));

        // The sentinel password is redacted wherever a typed URL is shown.
        QCOMPARE(ConnectionSettings::redactUrl("redis+sentinel://h/m?sentinel-password=spw"),
                 QStringLiteral("redis+sentinel://h/m?sentinel-password=***"));
    }

    void sentinelUrlErrors_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("says");
        QTest::newRow("no master") << "redis+sentinel://h:26379"
                                   << "master's name";
        QTest::newRow("no master, slash") << "redis+sentinel://h:26379/"
                                          << "master's name";
        QTest::newRow("bad port") << "redis+sentinel://h:1,h:x/m"
                                  << "port \"x\"";
        QTest::newRow("no host") << "redis+sentinel:///m"
                                 << "missing sentinel host";
        QTest::newRow("unix") << "unix+sentinel:///tmp/s/m"
                              << "unknown scheme";
        QTest::newRow("sentinel-user on redis://") << "redis://h?sentinel-user=x"
                                                   << "redis+sentinel://";
        QTest::newRow("bad db") << "redis+sentinel://h/m/x"
                                << "database";
    }
    void sentinelUrlErrors() {
        QFETCH(QString, url);
        QFETCH(QString, says);
        auto s = ConnectionSettings::fromUrl(url);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(says), qPrintable(s.error().message));
    }

    void sshParameters() {
        auto s = ConnectionSettings::fromUrl(
            "redis://10.0.0.5:6379?ssh=ops@bastion:2222&ssh-key=/k/id_ed25519"
            "&ssh-known-hosts=/k/known");
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QVERIFY(s->viaSsh());
        QCOMPARE(s->ssh.user, QStringLiteral("ops"));
        QCOMPARE(s->ssh.host, QStringLiteral("bastion"));
        QCOMPARE(s->ssh.port, quint16(2222));
        QCOMPARE(s->ssh.keyFile, QStringLiteral("/k/id_ed25519"));
        QCOMPARE(s->ssh.knownHostsFile, QStringLiteral("/k/known"));
        auto back = ConnectionSettings::fromUrl(s->displayUrl(false));
        QVERIFY2(back.ok(), qPrintable(back.error().message));
        QVERIFY(back.value() == s.value());
        // The key's parameter may come first.
        auto order = ConnectionSettings::fromUrl("redis://h?ssh-key=/k&ssh=b");
        QVERIFY2(order.ok(), qPrintable(order.error().message));
        QCOMPARE(order->ssh.keyFile, QStringLiteral("/k"));
        QCOMPARE(order->ssh.port, quint16(22));
        // A server through SSH keeps its own address: each node is forwarded, not rewritten.
        ConnectionSettings node = s->forServer(QStringLiteral("10.0.0.6"), 7001);
        QCOMPARE(node.endpoint(), QStringLiteral("10.0.0.6:7001"));
        QVERIFY(node.ssh == s->ssh);

        QVERIFY(!ConnectionSettings::fromUrl("redis://h?ssh-key=/k").ok());
        QVERIFY(!ConnectionSettings::fromUrl("redis://h?ssh=@b").ok());
        QVERIFY(!ConnectionSettings::fromUrl("unix:///tmp/s?ssh=b").ok());
    }

    // The flags every executable shares, as redis-cli's and beyond.
    void connectionFlags_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("url"); // displayUrl(false) of the result, or "error: ..."
        QTest::newRow("tls files")
            << QStringList{"--tls", "-h",    "r",  "--cacert", "/ca", "--cert",
                           "/c",    "--key", "/k", "--sni",    "n"}
            << "rediss://r:6379?cacert=/ca&cert=/c&key=/k&sni=n";
        QTest::newRow("insecure on rediss")
            << QStringList{"-u", "rediss://r:1", "--insecure"} << "rediss://r:1?insecure";
        QTest::newRow("cacert without tls")
            << QStringList{"--cacert", "/ca"} << "error: --cacert: a TLS option";
        QTest::newRow("cert without key") << QStringList{"--tls", "--cert", "/c"}
                                          << "error: needs both --cert FILE and --key FILE";
        QTest::newRow("sentinels")
            << QStringList{"--sentinel", "a:1", "--sentinel", "b", "--master", "m", "-n", "3"}
            << "redis+sentinel://a:1,b:26379/m/3";
        QTest::newRow("sentinel without master")
            << QStringList{"--sentinel", "a:1"} << "error: --sentinel: give the master's name";
        QTest::newRow("master without sentinel")
            << QStringList{"--master", "m"} << "error: --master: give the sentinels";
        QTest::newRow("master overrides the URL's")
            << QStringList{"-u", "redis+sentinel://s/m1", "--master", "m2"}
            << "redis+sentinel://s:26379/m2";
        QTest::newRow("-h with a sentinel URL")
            << QStringList{"-u", "redis+sentinel://s/m", "-h", "r"}
            << "error: -h: through Sentinel the sentinels name the server";
        QTest::newRow("ssh") << QStringList{"-p", "7000", "--ssh", "ops@b:2200", "--ssh-key", "/k"}
                             << "redis://127.0.0.1:7000?ssh=ops@b:2200&ssh-key=/k";
        QTest::newRow("ssh-key without ssh")
            << QStringList{"--ssh-key", "/k"} << "error: --ssh-key: needs --ssh";
        QTest::newRow("ssh to a socket")
            << QStringList{"-s", "/tmp/r.sock", "--ssh", "b"} << "error: --ssh: a unix socket";
        QTest::newRow("-h after a socket URL")
            << QStringList{"-u", "unix:///tmp/r.sock", "-h", "r"} << "redis://r:6379";
    }
    void connectionFlags() {
        QFETCH(QStringList, args);
        QFETCH(QString, url);
        QCommandLineParser parser;
        parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
        parser.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::RedisCli));
        QVERIFY2(parser.parse(QStringList{"streamscope-cli"} + args),
                 qPrintable(parser.errorText()));
        auto s = ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::RedisCli);
        if (url.startsWith(QLatin1String("error: "))) {
            QVERIFY(!s.ok());
            QVERIFY2(s.error().message.contains(url.mid(7)), qPrintable(s.error().message));
            QCOMPARE(s.error().kind, Error::Kind::InvalidArgument);
            return;
        }
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s->displayUrl(false), url);
    }

    // Passphrases never come from a URL or a flag: from the environment (or the keychain).
    void passphrasesFromEnvironment() {
        qputenv("STREAMSCOPE_TLS_KEY_PASSPHRASE", "tls-secret");
        qputenv("STREAMSCOPE_SSH_KEY_PASSPHRASE", "ssh-secret");
        QCommandLineParser parser;
        parser.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::LongOnly));
        QVERIFY(parser.parse(
            {"svc", "--url", "rediss://h", "--cert", "/c", "--key", "/k", "--ssh", "b"}));
        auto s = ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::LongOnly);
        qunsetenv("STREAMSCOPE_TLS_KEY_PASSPHRASE");
        qunsetenv("STREAMSCOPE_SSH_KEY_PASSPHRASE");
        QVERIFY2(s.ok(), qPrintable(s.error().message));
        QCOMPARE(s->tls.keyPassphrase, QStringLiteral("tls-secret"));
        QCOMPARE(s->ssh.keyPassphrase, QStringLiteral("ssh-secret"));
        QVERIFY(!s->displayUrl(false).contains(QLatin1String("secret")));
    }
};

QTEST_GUILESS_MAIN(TestConnectionSettings)
#include "tst_connectionsettings.moc"
