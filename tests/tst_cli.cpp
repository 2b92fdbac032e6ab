// streamscope-cli run as a process, as users and scripts run it, against a real server.
#include "TestRedis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

namespace {
struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private:
    Run cli(QStringList args, const QByteArray &authEnv = {}) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("REDISCLI_AUTH"));
        if (!authEnv.isEmpty())
            env.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromUtf8(authEnv));
        p.setProcessEnvironment(env);
        p.start(m_binary, args);
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return {};
        }
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }
    QStringList withUrl(QStringList args) const {
        return QStringList{QStringLiteral("-u"), m_server.url()} + args;
    }

private Q_SLOTS:
    void initTestCase() {
        const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        m_binary = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
                   + QStringLiteral("/streamscope-cli");
        QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" not built")));
        STREAMSCOPE_START_REDIS(m_server);
        m_admin = connectTo(m_server.settings());
        run(*m_admin, {"ACL", "SETUSER", "ops", "on", ">opspw", "~*", "+@all"});
    }

    void help() {
        const Run r = cli({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *word : {"streams", "tail", "publish", "REDISCLI_AUTH", "Exit codes"})
            QVERIFY2(r.out.contains(word), word);
        const Run tail = cli({QStringLiteral("tail"), QStringLiteral("--help")});
        QCOMPARE(tail.exitCode, 0);
        QVERIFY(tail.out.contains("--exit-at-end"));
        QVERIFY(cli({}).exitCode == 2); // no command: usage
    }

    void publishAndStreams() {
        const Run first =
            cli(withUrl({QStringLiteral("publish"), QStringLiteral("order-events"),
                         QStringLiteral("type=order.created"), QStringLiteral("orderId=4711"),
                         QStringLiteral("note=a=b")}));
        QCOMPARE(first.exitCode, 0);
        const QByteArray id = first.out.trimmed();
        QVERIFY2(StreamId::isValid(id), id.constData());
        const RedisReply stored = run(*m_admin, {"XRANGE", "order-events", id, id});
        QCOMPARE(stored.at(0).at(1).toDebugString(),
                 QStringLiteral("[\"type\", \"order.created\", \"orderId\", \"4711\", \"note\", "
                                "\"a=b\"]"));

        const Run explicitId =
            cli(withUrl({QStringLiteral("publish"), QStringLiteral("other"), QStringLiteral("f=v"),
                         QStringLiteral("--id"), QStringLiteral("5-1"), QStringLiteral("--json")}));
        QCOMPARE(explicitId.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(explicitId.out).object().value(QStringLiteral("id")),
                 QJsonValue(QStringLiteral("5-1")));

        const Run list = cli(withUrl({QStringLiteral("streams"), QStringLiteral("--json")}));
        QCOMPARE(list.exitCode, 0);
        const QJsonArray streams =
            QJsonDocument::fromJson(list.out).object().value(QStringLiteral("streams")).toArray();
        QCOMPARE(streams.size(), 2);
        const QJsonObject orders = streams.at(0).toObject();
        QCOMPARE(orders.value(QStringLiteral("name")).toString(), QStringLiteral("order-events"));
        QCOMPARE(orders.value(QStringLiteral("length")).toInt(), 1);
        QCOMPARE(orders.value(QStringLiteral("last_id")).toString(), QString::fromLatin1(id));
        QCOMPARE(streams.at(1).toObject().value(QStringLiteral("first_id")).toString(),
                 QStringLiteral("5-1"));

        const Run pattern = cli(withUrl({QStringLiteral("streams"), QStringLiteral("oth*")}));
        QCOMPARE(pattern.exitCode, 0);
        QVERIFY(pattern.out.contains("other"));
        QVERIFY(!pattern.out.contains("order-events"));
        QVERIFY(pattern.out.startsWith("NAME"));
    }

    void publishRejectsBadInputBeforeSending_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("no field") << QStringList{QStringLiteral("s")} << QByteArray("FIELD=VALUE");
        QTest::newRow("no equals") << QStringList{QStringLiteral("s"), QStringLiteral("novalue")}
                                   << QByteArray("\"novalue\" is not FIELD=VALUE");
        QTest::newRow("empty name") << QStringList{QStringLiteral("s"), QStringLiteral("=v")}
                                    << QByteArray("empty field name");
        QTest::newRow("bad id") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                               QStringLiteral("--id"), QStringLiteral("12-x")}
                                << QByteArray("malformed stream ID");
        QTest::newRow("zero id") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                                QStringLiteral("--id"), QStringLiteral("0-0")}
                                 << QByteArray("0-0");
        QTest::newRow("bad maxlen") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                                   QStringLiteral("--maxlen"), QStringLiteral("~x")}
                                    << QByteArray("--maxlen");
        QTest::newRow("maxlen and minid")
            << QStringList{QStringLiteral("s"),        QStringLiteral("f=v"),
                           QStringLiteral("--maxlen"), QStringLiteral("5"),
                           QStringLiteral("--minid"),  QStringLiteral("1-0")}
            << QByteArray("not both");
    }
    void publishRejectsBadInputBeforeSending() {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const qint64 before = xaddCalls();
        const Run r = cli(withUrl(QStringList{QStringLiteral("publish")} + args));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), r.err.constData());
        QCOMPARE(xaddCalls(), before); // nothing reached the server
    }

    void publishServerErrors() {
        run(*m_admin, {"SET", "a-string", "x"});
        const Run wrongType = cli(withUrl(
            {QStringLiteral("publish"), QStringLiteral("a-string"), QStringLiteral("f=v")}));
        QCOMPARE(wrongType.exitCode, 4);
        QVERIFY(wrongType.err.contains("WRONGTYPE"));

        const Run tooSmall =
            cli(withUrl({QStringLiteral("publish"), QStringLiteral("other"), QStringLiteral("f=v"),
                         QStringLiteral("--id"), QStringLiteral("1-1")}));
        QCOMPARE(tooSmall.exitCode, 4);
        QVERIFY(tooSmall.err.contains("greater than the stream's last ID"));
    }

    void publishTrims() {
        for (int i = 0; i < 5; ++i)
            QCOMPARE(cli(withUrl({QStringLiteral("publish"), QStringLiteral("trimmed"),
                                  QStringLiteral("i=%1").arg(i), QStringLiteral("--maxlen"),
                                  QStringLiteral("3")}))
                         .exitCode,
                     0);
        QCOMPARE(run(*m_admin, {"XLEN", "trimmed"}).integer(), 3);
    }

    void tailFormats() {
        addEntries(*m_admin, "tailed", 0, 2500);
        run(*m_admin,
            {"XADD", "tailed", "*", "bin", QByteArray("\xff\x00\"q", 4), "json", R"({"a":1})"});
        const Run count =
            cli(withUrl({QStringLiteral("tail"), QStringLiteral("tailed"), QStringLiteral("--from"),
                         QStringLiteral("0"), QStringLiteral("--exit-at-end"),
                         QStringLiteral("--format"), QStringLiteral("count")}));
        QCOMPARE(count.exitCode, 0);
        QCOMPARE(count.out.trimmed(), QByteArray("2501"));

        const Run jsonl =
            cli(withUrl({QStringLiteral("tail"), QStringLiteral("tailed"), QStringLiteral("--from"),
                         QStringLiteral("0"), QStringLiteral("--exit-at-end"),
                         QStringLiteral("--format"), QStringLiteral("jsonl")}));
        QCOMPARE(jsonl.exitCode, 0);
        const QList<QByteArray> lines = jsonl.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2501);
        for (int i = 0; i < 2500; i += 499) {
            const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
            QCOMPARE(o.value(QStringLiteral("stream")).toString(), QStringLiteral("tailed"));
            QCOMPARE(o.value(QStringLiteral("fields")).toObject().value(QStringLiteral("seq")),
                     QJsonValue(QString::number(i)));
        }
        QJsonParseError error;
        const QJsonObject last = QJsonDocument::fromJson(lines.last(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError); // binary bytes keep it valid JSON
        QCOMPARE(last.value(QStringLiteral("fields")).toObject().value(QStringLiteral("bin")),
                 QJsonValue(QStringLiteral("\\xff\\x00\"q")));

        const Run limited =
            cli(withUrl({QStringLiteral("tail"), QStringLiteral("tailed"), QStringLiteral("--from"),
                         QStringLiteral("0"), QStringLiteral("--count"), QStringLiteral("7")}));
        QCOMPARE(limited.exitCode, 0);
        const QList<QByteArray> rows = limited.out.trimmed().split('\n');
        QCOMPARE(rows.size(), 7);
        QVERIFY(rows.first().contains("tailed"));
        QVERIFY(rows.first().contains("seq=0 payload=x"));
    }

    void tailSeveralStreamsFromAnId() {
        addEntries(*m_admin, "multi-a", 0, 3);
        addEntries(*m_admin, "multi-b", 0, 4);
        const Run r =
            cli(withUrl({QStringLiteral("tail"), QStringLiteral("multi-a"),
                         QStringLiteral("multi-b"), QStringLiteral("--from"), QStringLiteral("0"),
                         QStringLiteral("--exit-at-end"), QStringLiteral("--json")}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count("\"stream\":\"multi-a\""), 3);
        QCOMPARE(r.out.count("\"stream\":\"multi-b\""), 4);

        const Run bad = cli(withUrl({QStringLiteral("tail"), QStringLiteral("x"),
                                     QStringLiteral("--from"), QStringLiteral("yesterday")}));
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("malformed stream ID"));
        const Run badFormat = cli(withUrl({QStringLiteral("tail"), QStringLiteral("x"),
                                           QStringLiteral("--format"), QStringLiteral("xml")}));
        QCOMPARE(badFormat.exitCode, 2);
    }

    void tailWrongTypeIsAServerError() {
        run(*m_admin, {"SET", "plain-key", "x"});
        const Run r = cli(
            withUrl({QStringLiteral("tail"), QStringLiteral("plain-key"), QStringLiteral("--from"),
                     QStringLiteral("0"), QStringLiteral("--exit-at-end")}));
        QCOMPARE(r.exitCode, 4);
        QVERIFY(r.err.contains("WRONGTYPE"));
    }

    void connectionAndAuthFailures() {
        const Run refused =
            cli({QStringLiteral("-p"), QString::number(LocalRedisServer::freePort()),
                 QStringLiteral("streams")});
        QCOMPARE(refused.exitCode, 3);
        QVERIFY(refused.err.contains("could not connect"));

        const QString port = QString::number(m_server.port());
        const Run wrong =
            cli({QStringLiteral("-p"), port, QStringLiteral("--user"), QStringLiteral("ops"),
                 QStringLiteral("-a"), QStringLiteral("nope"), QStringLiteral("streams")});
        QCOMPARE(wrong.exitCode, 3);
        QVERIFY(wrong.err.contains("WRONGPASS"));

        // The redis-cli conventions: -h/-p/--user with the password from REDISCLI_AUTH.
        const Run viaEnv =
            cli({QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), port,
                 QStringLiteral("--user"), QStringLiteral("ops"), QStringLiteral("streams")},
                "opspw");
        QCOMPARE(viaEnv.exitCode, 0);

        const Run badUrl = cli(
            {QStringLiteral("-u"), QStringLiteral("redis://h:99999"), QStringLiteral("streams")});
        QCOMPARE(badUrl.exitCode, 2);
        QVERIFY(badUrl.err.contains("port \"99999\""));

        const Run unknown = cli(withUrl({QStringLiteral("frobnicate")}));
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("unknown command"));
    }

private:
    qint64 xaddCalls() {
        const QByteArray stats = run(*m_admin, {"INFO", "commandstats"}).bytes();
        const int at = stats.indexOf("cmdstat_xadd:calls=");
        if (at < 0)
            return 0;
        const int from = at + int(qstrlen("cmdstat_xadd:calls="));
        return stats.mid(from, stats.indexOf(',', from) - from).toLongLong();
    }

    QString m_binary;
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_admin;
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
