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
};

QTEST_GUILESS_MAIN(TestConnectionSettings)
#include "tst_connectionsettings.moc"
