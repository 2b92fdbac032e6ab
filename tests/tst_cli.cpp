// streamscope-cli run as a process, as users and scripts run it, against a real server.
#include "CliProcess.h"
#include "StreamId.h"
#include "TestRedis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

namespace {
using Run = CliRun;
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private:
    Run cli(QStringList args, const QByteArray &authEnv = {}, const QString &program = {}) {
        QHash<QString, QString> env;
        if (!authEnv.isEmpty())
            env.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromUtf8(authEnv));
        return runProgram(program.isEmpty() ? m_binary : program, args, env);
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
                                    << QByteArray("field name is empty");
        QTest::newRow("bad id") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                               QStringLiteral("--id"), QStringLiteral("12-x")}
                                << QByteArray("malformed stream ID");
        QTest::newRow("zero id") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                                QStringLiteral("--id"), QStringLiteral("0-0")}
                                 << QByteArray("0-0");
        QTest::newRow("bad maxlen") << QStringList{QStringLiteral("s"), QStringLiteral("f=v"),
                                                   QStringLiteral("--maxlen"), QStringLiteral("~x")}
                                    << QByteArray("MAXLEN: \"x\" is not a whole number");
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

        // An ID not greater than the last is caught by asking the server first: nothing is sent.
        const qint64 before = xaddCalls();
        const Run tooSmall =
            cli(withUrl({QStringLiteral("publish"), QStringLiteral("other"), QStringLiteral("f=v"),
                         QStringLiteral("--id"), QStringLiteral("1-1")}));
        QCOMPARE(tooSmall.exitCode, 2);
        QCOMPARE(xaddCalls(), before);
        QVERIFY(tooSmall.err.contains("greater than the stream's last ID"));
    }

    void findAcrossStreams() {
        run(*m_admin, {"DEL", "fo", "fp"});
        run(*m_admin,
            {"XADD", "fo", "1-1", "type", "order.created", "orderId", "4711", "amount", "5"});
        run(*m_admin, {"XADD", "fo", "2-1", "type", "order.created", "orderId", "4712"});
        run(*m_admin, {"XADD", "fp", "3-1", "type", "payment.completed", "orderId", "4711"});
        Run r = cli(withUrl({"find", "orderId", "4711", "fo", "fp"}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("fo      1-1"));
        QVERIFY(r.out.contains("fp      3-1"));
        QVERIFY(!r.out.contains("4712"));
        QVERIFY(r.err.contains("fo: 1 found in 2 scanned"));
        // JSON keeps each entry's fields in their order.
        r = cli(withUrl({"--json", "find", "orderId", "4711", "fo", "fp"}));
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("streams").toArray().size(), 2);
        QCOMPARE(o.value("streams").toArray().at(1).toObject().value("entries").toArray().size(),
                 1);
        QVERIFY(
            r.out.contains(R"("fields":{"type":"order.created","orderId":"4711","amount":"5"})"));
        // Nothing found: exit 1, like grep. A budget too small: cut short, and said.
        QCOMPARE(cli(withUrl({"find", "orderId", "1", "fo"})).exitCode, 1);
        r = cli(withUrl({"--json", "find", "orderId", "4711", "fo", "--max-scan", "1"}));
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains(R"("cutShort":true,"reached":"2-1")"));
        QCOMPARE(cli(withUrl({"find", "orderId", "4711"})).exitCode, 2);
        QCOMPARE(cli(withUrl({"find", "a", "b", "fo", "--max-scan", "x"})).exitCode, 2);
    }

    void exportRangesAndPending() {
        run(*m_admin, {"DEL", "ex"});
        for (int i = 1; i <= 30; ++i)
            run(*m_admin, {"XADD", "ex", QByteArray::number(i) + "-0", "n", QByteArray::number(i),
                           "note", i == 7 ? "a, \"quoted\" one" : "x"});
        Run r = cli(withUrl({"export", "ex", "--from", "5-0", "--to", "12-0"}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 8);
        QVERIFY(r.out.startsWith(R"({"stream":"ex","id":"5-0","fields":{"n":"5","note":"x"}})"));
        QVERIFY(r.err.contains("wrote exactly 8 entries"));
        r = cli(withUrl({"export", "ex", "--to", "7-0", "--format", "csv"}));
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("stream,id,time,n,note,other_fields\r\n"));
        QVERIFY(r.out.contains(R"(ex,7-0,1970-01-01T00:00:00.007Z,7,"a, ""quoted"" one",)"));
        QCOMPARE(r.out.count('\n'), 8); // header + 7
        // "-" and "+" as XRANGE and redis-cli users write them: the start and the end.
        r = cli(withUrl({"export", "ex", "--from", "-", "--to", "3-0"}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 3);
        r = cli(withUrl({"export", "ex", "--from", "28-0", "--to", "+"}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 3);
        // To a file, written whole.
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("ex.jsonl"));
        r = cli(withUrl({"export", "ex", "--output", file}));
        QCOMPARE(r.exitCode, 0);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 30);
        // A group's pending list.
        run(*m_admin, {"XGROUP", "CREATE", "ex", "eg", "0"});
        run(*m_admin, {"XREADGROUP", "GROUP", "eg", "w", "COUNT", "4", "STREAMS", "ex", ">"});
        r = cli(withUrl({"export", "ex", "--group", "eg"}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 4);
        QVERIFY(r.out.contains(R"("group":"eg","id":"1-0","consumer":"w")"));
        // Bad input: nothing runs.
        QCOMPARE(cli(withUrl({"export", "ex", "--from", "9-0", "--to", "3-0"})).exitCode, 2);
        QCOMPARE(cli(withUrl({"export", "ex", "--format", "xml"})).exitCode, 2);
        QCOMPARE(cli(withUrl({"export", "ex", "--group", "eg", "--from", "1-0"})).exitCode, 2);
        run(*m_admin, {"SET", "exstr", "x"});
        r = cli(withUrl({"export", "exstr"}));
        QCOMPARE(r.exitCode, 4);
        QVERIFY(r.err.contains("WRONGTYPE"));
    }

    // The issue's case: a trim while a large export runs. The CLI writes to a pipe nobody reads
    // yet, so it stops after its first pages; the trim happens then; then it is read whole.
    void exportTrimmedWhileRunning() {
        run(*m_admin, {"DEL", "big"});
        QList<Command> adds;
        for (int i = 1; i <= 300000; ++i)
            adds.append({"XADD", "big", QByteArray::number(i) + "-0", "i", QByteArray::number(i)});
        QVERIFY(m_admin->pipeline(adds).ok());
        auto exportWhileTrimming = [&](const QStringList &extra) {
            QProcess p;
            p.start(m_binary, withUrl(QStringList{"export", "big"} + extra));
            if (!p.waitForReadyRead(30000)) // the first page is out: the export is running
                return Run{};
            run(*m_admin, {"XTRIM", "big", "MAXLEN", "188000"});
            if (!p.waitForFinished(60000))
                return Run{};
            return Run{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
        };
        Run r = exportWhileTrimming({});
        QCOMPARE(r.exitCode, 7);
        const qint64 written = r.out.count('\n');
        QVERIFY2(written >= 188000 && written < 300000, qPrintable(QString::number(written)));
        const QString expected = QStringLiteral("%1 entries of the range were trimmed or deleted")
                                     .arg(QLocale(QLocale::English).toString(300000 - written));
        QVERIFY2(QString::fromUtf8(r.err).contains(expected), r.err.constData());
        QVERIFY(r.err.contains("--allow-gaps"));
        QVERIFY(!r.err.contains("wrote exactly"));

        run(*m_admin, {"DEL", "big"});
        QVERIFY(m_admin->pipeline(adds).ok());
        r = exportWhileTrimming({"--allow-gaps"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("warning: ") && r.err.contains("trimmed or deleted"),
                 r.err.constData());
        QVERIFY(r.err.contains("wrote exactly " + QByteArray::number(r.out.count('\n'))));
        run(*m_admin, {"DEL", "big"});
    }

    void exportWriteErrors() {
        run(*m_admin, {"DEL", "werr"});
        addEntries(*m_admin, "werr", 0, 2000);
        Run r = cli(withUrl({"export", "werr", "--output", "/dev/full"}));
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("cannot write to /dev/full: No space left on device"),
                 r.err.constData());
        QVERIFY(!r.err.contains("wrote exactly"));
        QTemporaryDir dir;
        r = cli(withUrl({"export", "werr", "--output", dir.filePath("no/such/dir/x.jsonl")}));
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("cannot write to " + dir.filePath("no/such/dir/x.jsonl").toUtf8()),
                 r.err.constData());
        // stdout on a full disk, and stdout closed.
        QProcess full;
        full.setStandardOutputFile(QStringLiteral("/dev/full"));
        full.start(m_binary, withUrl({"export", "werr"}));
        QVERIFY(full.waitForFinished(60000));
        QCOMPARE(full.exitCode(), 6);
        const QByteArray fullErr = full.readAllStandardError();
        QVERIFY2(fullErr.contains("cannot write to stdout: No space left on device"),
                 fullErr.constData());
        r = cli(QStringList{"-c", "exec \"$0\" \"$@\" >&-", m_binary} + withUrl({"export", "werr"}),
                {}, QStringLiteral("/bin/sh"));
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("cannot write to stdout: it is closed"), r.err.constData());
    }

    // Every command, not only export: output that cannot be written is exit 6 with a message
    // about the output, never success (tail, streams and doctor said nothing and exited 0).
    void everyCommandReportsWriteErrors() {
        run(*m_admin, {"DEL", "werr2"});
        addEntries(*m_admin, "werr2", 0, 50);
        const QList<QStringList> commands{
            {"tail", "werr2", "--from", "0", "--exit-at-end"},
            {"tail", "werr2", "--from", "0", "--exit-at-end", "--format", "count"},
            {"streams"},
            {"doctor", "werr2"},
            {"groups", "werr2"}};
        for (const QStringList &command : commands) {
            QProcess full;
            full.setStandardOutputFile(QStringLiteral("/dev/full"));
            full.start(m_binary, withUrl(command));
            QVERIFY(full.waitForFinished(60000));
            const QByteArray err = full.readAllStandardError();
            QVERIFY2(full.exitCode() == 6, qPrintable(command.join(' ') + ": " + err));
            QVERIFY2(err.contains("cannot write to stdout: No space left on device"),
                     err.constData());
            Run r = cli(QStringList{"-c", "exec \"$0\" \"$@\" >&-", m_binary} + withUrl(command),
                        {}, QStringLiteral("/bin/sh"));
            QVERIFY2(r.exitCode == 6, qPrintable(command.join(' ') + ": " + r.err));
            QVERIFY2(r.err.contains("cannot write to stdout: it is closed"), r.err.constData());
        }
    }

    // Reading to the end is a job that ends: a server that kills the connection under an entry
    // bigger than its client-output-buffer-limit makes the tail give up with the reason (it
    // retried for ever before), where following live keeps retrying.
    void tailToTheEndGivesUp() {
        run(*m_admin, {"DEL", "toobig"});
        run(*m_admin, {"XADD", "toobig", "*", "blob", QByteArray(300 * 1024, 'x')});
        run(*m_admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 200kb 100kb 1"});
        Run r = cli(withUrl({"tail", "toobig", "--from", "0", "--exit-at-end", "--max-retries", "2",
                             "--format", "count"}));
        run(*m_admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"});
        run(*m_admin, {"DEL", "toobig"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("giving up after 3 lost connections in a row"), r.err.constData());
        QVERIFY2(r.err.contains("client-output-buffer-limit"), r.err.constData());
        QVERIFY(cli(withUrl({"tail", "toobig", "--max-retries", "x"})).exitCode == 2);
    }

    void exportToTheWholeSecond() {
        run(*m_admin, {"DEL", "secs"});
        const QDateTime at(QDate(2026, 11, 25), QTime(21, 26, 51));
        for (int ms : {0, 999, 1000})
            run(*m_admin, {"XADD", "secs", QByteArray::number(at.toMSecsSinceEpoch() + ms) + "-0",
                           "ms", QByteArray::number(ms)});
        Run r = cli(withUrl(
            {"export", "secs", "--from", "2026-11-25 21:26:51", "--to", "2026-11-25 21:26:51"}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count('\n'), 2); // .000 and .999, not the next second
        r = cli(withUrl({"export", "secs", "--to", "2026-11-25 21:26"}));
        QCOMPARE(r.out.count('\n'), 3);
        r = cli(withUrl({"export", "secs", "--to", "2026-11-25 21:26:51.000"}));
        QCOMPARE(r.out.count('\n'), 1);
    }

    // Binary values and names, repeated names: exported, imported into a new stream, and XRANGE
    // gives the same bytes, through JSON Lines and through CSV.
    void importRoundTrip() {
        run(*m_admin, {"DEL", "orig", "copy-jsonl", "copy-csv"});
        for (int i = 1; i <= 1500; ++i) {
            Command add{"XADD", "orig", QByteArray::number(i) + "-1", "n", QByteArray::number(i)};
            if (i % 5 == 0)
                add << "bin" << QByteArray("\x00\xff\xfe", 3) + QByteArray::number(i);
            if (i % 7 == 0)
                add << "n"
                    << "dup" << QByteArray("\xe9t\xe9", 3) << "latin1 name";
            run(*m_admin, add);
        }
        QTemporaryDir dir;
        for (const char *format : {"jsonl", "csv"}) {
            const QString file = dir.filePath(QStringLiteral("orig.") + QLatin1String(format));
            Run r = cli(withUrl({"export", "orig", "--format", format, "--output", file}));
            QCOMPARE(r.exitCode, 0);
            const QByteArray target = QByteArray("copy-") + format;
            r = cli(
                withUrl({"import", QString::fromLatin1(target), "--input", file, "--keep-ids"}));
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY(r.err.contains("added exactly 1500 entries"));
            const RedisReply a = run(*m_admin, {"XRANGE", "orig", "-", "+"});
            const RedisReply b = run(*m_admin, {"XRANGE", target, "-", "+"});
            QCOMPARE(b.size(), a.size());
            for (size_t i = 0; i < a.size(); ++i) {
                QCOMPARE(b.at(i).at(0).bytes(), a.at(i).at(0).bytes());
                QCOMPARE(b.at(i).at(1).size(), a.at(i).at(1).size());
                for (size_t k = 0; k < a.at(i).at(1).size(); ++k)
                    QCOMPARE(b.at(i).at(1).at(k).bytes(), a.at(i).at(1).at(k).bytes());
            }
        }
        // From stdin, new IDs.
        QProcess p;
        p.setStandardInputFile(dir.filePath(QStringLiteral("orig.jsonl")));
        p.start(m_binary, withUrl({"import", "copy-stdin", "--json"}));
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput(),
                 QByteArray("{\"stream\":\"copy-stdin\",\"added\":1500}\n"));
        QCOMPARE(run(*m_admin, {"XLEN", "copy-stdin"}).integer(), 1500);
        // CSV on stdin is known by its header.
        QProcess csv;
        csv.setStandardInputFile(dir.filePath(QStringLiteral("orig.csv")));
        csv.start(m_binary, withUrl({"import", "copy-stdin-csv"}));
        QVERIFY(csv.waitForFinished(60000));
        QVERIFY2(csv.exitCode() == 0, csv.readAllStandardError().constData());
        QCOMPARE(run(*m_admin, {"XLEN", "copy-stdin-csv"}).integer(), 1500);
    }

    // A malformed line is refused with its number before anything is sent; so is --read-only,
    // and IDs that the stream would refuse.
    void importRefusesBeforeSending() {
        run(*m_admin, {"DEL", "imp"});
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("bad.jsonl"));
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int i = 1; i <= 2500; ++i)
                f.write(i == 2222 ? "{\"id\":\"1-0\",\"fields\":{\"a\":\"1\"},}\n"
                                  : "{\"fields\":{\"a\":\"1\"}}\n");
        }
        run(*m_admin, {"CONFIG", "RESETSTAT"});
        Run r = cli(withUrl({"import", "imp", "--input", file}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("line 2222: not JSON"), r.err.constData());
        QVERIFY(r.err.contains("nothing was sent"));
        QCOMPARE(xaddCalls(), 0);

        const QString good = dir.filePath(QStringLiteral("good.jsonl"));
        {
            QFile f(good);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"id\":\"5-0\",\"fields\":{\"a\":\"1\"}}\n{\"id\":\"6-0\",\"fields\":{\"a\":"
                    "\"2\"}}\n");
        }
        r = cli(withUrl({"--read-only", "import", "imp", "--input", good}));
        QCOMPARE(r.exitCode, 5);
        QCOMPARE(xaddCalls(), 0);
        run(*m_admin, {"XADD", "imp", "10-0", "a", "0"});
        run(*m_admin, {"CONFIG", "RESETSTAT"});
        r = cli(withUrl({"import", "imp", "--input", good, "--keep-ids"}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("the first entry's ID 5-0 is not greater than the last ID of imp "
                                "(10-0)"),
                 r.err.constData());
        QCOMPARE(xaddCalls(), 0);
        r = cli(withUrl({"import", "imp", "--input", good}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(run(*m_admin, {"XLEN", "imp"}).integer(), 3);
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
        // Lossless: bytes that are not UTF-8 are base64, never \xNN text.
        QCOMPARE(last.value(QStringLiteral("fields")).toObject().value(QStringLiteral("bin")),
                 QJsonValue(QJsonObject{{QStringLiteral("base64"), QStringLiteral("/wAicQ==")}}));

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

    // Two streams whose entries interleave unevenly, several batches each: one timeline.
    void tailMergesStreamsInTimeOrder() {
        QList<Command> adds;
        for (int i = 0; i < 5000; ++i) {
            adds.append({"XADD", "merge-dense", QByteArray::number(1000 + i) + "-0", "seq",
                         QByteArray::number(i)});
            adds.append({"XADD", "merge-sparse", QByteArray::number(1000 + 2 * i) + "-1", "seq",
                         QByteArray::number(i)});
        }
        QVERIFY(m_admin->pipeline(adds).ok());
        const Run r = cli(
            withUrl({QStringLiteral("tail"), QStringLiteral("merge-dense"),
                     QStringLiteral("merge-sparse"), QStringLiteral("--from"), QStringLiteral("0"),
                     QStringLiteral("--exit-at-end"), QStringLiteral("--json")}));
        QCOMPARE(r.exitCode, 0);
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 10000);
        StreamId previous;
        for (const QByteArray &line : lines) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const StreamId id =
                StreamId::parse(o.value(QStringLiteral("id")).toString().toLatin1()).value();
            QVERIFY2(previous <= id, qPrintable(previous.toString() + " before " + id.toString()));
            previous = id;
        }
    }

    // The next entry after --from is the stream's first one: nothing may have been lost, and
    // the server cannot tell. Said as a possibility, not as entries lost.
    void tailGapIsSaidPossibleWhenNotProven() {
        addEntries(*m_admin, "maybe-gap", 0, 10);
        const RedisReply all = run(*m_admin, {"XRANGE", "maybe-gap", "-", "+"});
        run(*m_admin, {"XTRIM", "maybe-gap", "MAXLEN", "5"});
        const Run r = cli(
            withUrl({QStringLiteral("tail"), QStringLiteral("maybe-gap"), QStringLiteral("--from"),
                     QString::fromLatin1(all.at(4).at(0).bytes()), QStringLiteral("--exit-at-end"),
                     QStringLiteral("--format"), QStringLiteral("count")}));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), QByteArray("5"));
        QVERIFY2(r.err.contains("possibly a gap in maybe-gap"), r.err.constData());
        QVERIFY(!r.err.contains("unknown number of entries"));
    }

    // At rest the tail sends only its blocking XREAD: at most 2 commands a second, and no
    // XINFO STREAM (which returns whole entries) after the start.
    void tailAtRestSendsAtMostTwoCommandsASecond() {
        addEntries(*m_admin, "at-rest", 0, 1);
        QProcess tail;
        tail.start(m_binary, withUrl({QStringLiteral("tail"), QStringLiteral("at-rest")}));
        QVERIFY(tail.waitForStarted());
        QTest::qWait(1500);
        auto calls = [&] {
            const QByteArray stats = run(*m_admin, {"INFO", "commandstats"}).bytes();
            qint64 total = 0;
            for (const QByteArray &line : stats.split('\n')) {
                // Our own INFO calls are not the tail's.
                if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info:"))
                    continue;
                const qsizetype at = line.indexOf("calls=") + 6;
                total += line.mid(at, line.indexOf(',', at) - at).toLongLong();
            }
            return total;
        };
        const qint64 before = calls();
        const qint64 xinfoBefore = commandCalls(*m_admin, "xinfo|stream");
        QTest::qWait(5000);
        const qint64 sent = calls() - before;
        const qint64 xinfo = commandCalls(*m_admin, "xinfo|stream") - xinfoBefore;
        tail.kill();
        tail.waitForFinished();
        QVERIFY2(sent <= 10, qPrintable(QStringLiteral("%1 commands in 5 s").arg(sent)));
        QCOMPARE(xinfo, qint64(0));
    }

    // The server kills the connection under every big reply (client-output-buffer-limit): the
    // tail says why on stderr, reads smaller batches and still delivers every entry.
    void tailSurvivesOutputBufferLimit() {
        const QByteArray payload(60 * 1024, 'p');
        QList<Command> adds;
        for (int i = 0; i < 100; ++i)
            adds.append({"XADD", "obl", "*", "seq", QByteArray::number(i), "payload", payload});
        QVERIFY(m_admin->pipeline(adds).ok());
        run(*m_admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 200kb 100kb 1"});
        const Run r =
            cli(withUrl({QStringLiteral("tail"), QStringLiteral("obl"), QStringLiteral("--from"),
                         QStringLiteral("0"), QStringLiteral("--exit-at-end"),
                         QStringLiteral("--format"), QStringLiteral("count")}));
        run(*m_admin, {"CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), QByteArray("100"));
        QVERIFY2(r.err.contains("the server closed the connection: possibly "
                                "client-output-buffer-limit (or the server went away); reading "
                                "smaller batches"),
                 r.err.constData());
        QVERIFY2(r.err.count("retrying in") <= 6, r.err.constData());
    }

    // Another server (another dataset, older IDs) comes up on the address: stderr says the
    // stream was replaced, and the new data is printed.
    void tailReportsReplacedData() {
        LocalRedisServer first;
        STREAMSCOPE_START_REDIS(first);
        addEntries(*connectTo(first.settings()), "swapped", 0, 50);
        QProcess tail;
        tail.start(m_binary, {QStringLiteral("-u"), first.url(), QStringLiteral("tail"),
                              QStringLiteral("swapped"), QStringLiteral("--from"),
                              QStringLiteral("0"), QStringLiteral("--json")});
        QVERIFY(tail.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += tail.readAllStandardOutput()).count('\n') == 50, 10000);
        first.kill();
        LocalRedisServer second(LocalRedisServer::Options{false, {}, first.port()});
        STREAMSCOPE_START_REDIS(second);
        auto writer = connectTo(second.settings());
        for (int i = 0; i < 3; ++i)
            run(*writer, {"XADD", "swapped", QByteArray::number(i + 1) + "-1", "seq",
                          QByteArray::number(100 + i)});
        QTRY_VERIFY_WITH_TIMEOUT((out += tail.readAllStandardOutput()).count('\n') == 53, 15000);
        tail.kill();
        tail.waitForFinished();
        const QByteArray err = tail.readAllStandardError();
        QVERIFY2(err.contains("swapped was reset or replaced (the server restarted"),
                 err.constData());
        QVERIFY(!err.contains("gap"));
        QVERIFY(out.contains("\"id\":\"1-1\""));
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

    // A password never reaches stderr, whatever fails; given on the command line it is warned
    // about once, as redis-cli does.
    void passwordsNeverPrinted() {
        const QString secret = QStringLiteral("topsecret-4711");
        const QString closedPort = QString::number(LocalRedisServer::freePort());
        const QByteArray warning = "Warning: Using a password with '-a' or '-u' option on the "
                                   "command line interface may not be safe.";
        const QList<QStringList> runs{
            {"-u", QStringLiteral("redis://ops:%1@127.0.0.1:%2").arg(secret, closedPort),
             "streams"},
            {"-u", QStringLiteral("redis://:%1@127.0.0.1:99999").arg(secret), "streams"},
            {"-u", QStringLiteral("redis://%1@127.0.0.1:%2/x").arg(secret, closedPort), "streams"},
            {"-u", QStringLiteral("redis://127.0.0.1:%1?password=%2&db=z").arg(closedPort, secret),
             "streams"},
            {"-p", closedPort, "-a", secret, "streams"},
            {"-p", QString::number(m_server.port()), "--user", "ops", "-a", secret, "streams"},
        };
        for (const QStringList &args : runs) {
            const Run r = cli(args);
            QVERIFY2(r.exitCode == 2 || r.exitCode == 3, qPrintable(args.join(' ')));
            QVERIFY2(!r.err.contains(secret.toUtf8()), r.err.constData());
            QVERIFY2(!r.out.contains(secret.toUtf8()), r.out.constData());
            QCOMPARE(r.err.count(warning), 1);
            QVERIFY(r.err.contains("REDISCLI_AUTH"));
        }
        // From the environment, or without a password: no warning; --no-auth-warning hushes it.
        const QString port = QString::number(m_server.port());
        const Run viaEnv = cli({"-p", port, "--user", "ops", "streams"}, "opspw");
        QCOMPARE(viaEnv.exitCode, 0);
        QVERIFY2(!viaEnv.err.contains("Warning"), viaEnv.err.constData());
        const Run hushed =
            cli({"-p", port, "--user", "ops", "-a", "opspw", "--no-auth-warning", "streams"});
        QCOMPARE(hushed.exitCode, 0);
        QVERIFY2(!hushed.err.contains("Warning"), hushed.err.constData());
        const Run withUser = cli(withUrl({"streams"}));
        QVERIFY(!withUser.err.contains("Warning"));
    }

    void doctorJsonAndExitCodes() {
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "jobs", 0, 6);
        run(*m_admin, {"XGROUP", "CREATE", "jobs", "workers", "0"});
        const Run healthy = cli(
            withUrl({QStringLiteral("doctor"), QStringLiteral("jobs"), QStringLiteral("--json")}));
        QCOMPARE(healthy.exitCode, 1); // a group with entries to read and no consumers
        run(*m_admin,
            {"XREADGROUP", "GROUP", "workers", "w1", "COUNT", "6", "STREAMS", "jobs", ">"});
        run(*m_admin, {"XGROUP", "CREATE", "jobs", "idle", "$"});
        const Run r = cli(withUrl({QStringLiteral("doctor"), QStringLiteral("--json"),
                                   QStringLiteral("--idle-threshold"), QStringLiteral("0")}));
        QCOMPARE(r.exitCode, 1);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc.value("server").toObject().value("version").toString().left(2),
                 QStringLiteral("7."));
        QCOMPARE(doc.value("server").toObject().value("mode").toString(),
                 QStringLiteral("standalone"));
        const QJsonObject stream = doc.value("streams").toArray().first().toObject();
        QCOMPARE(stream.value("name").toString(), QStringLiteral("jobs"));
        QCOMPARE(stream.value("length").toInt(), 6);
        QVERIFY(stream.value("first_id").isString());
        const QJsonArray groups = stream.value("groups").toArray();
        QCOMPARE(groups.size(), 2);
        const QJsonObject idle = groups.at(0).toObject();
        QCOMPARE(idle.value("name").toString(), QStringLiteral("idle"));
        QCOMPARE(idle.value("status").toString(), QStringLiteral("ok"));
        QCOMPARE(idle.value("lag").toInt(-1), 0);
        QVERIFY(idle.value("findings").toArray().isEmpty());
        const QJsonObject workers = groups.at(1).toObject();
        QCOMPARE(workers.value("status").toString(), QStringLiteral("critical"));
        QCOMPARE(workers.value("pending").toInt(), 6);
        QCOMPARE(workers.value("lag_estimated").toBool(true), false);
        QVERIFY(workers.value("lag").isDouble());
        const QJsonArray findings = workers.value("findings").toArray();
        QJsonObject dead;
        for (const QJsonValue &f : findings)
            if (f.toObject().value("kind") == QLatin1String("dead-consumer"))
                dead = f.toObject();
        QCOMPARE(dead.value("severity").toString(), QStringLiteral("critical"));
        QCOMPARE(dead.value("consumer").toString(), QStringLiteral("w1"));
        QCOMPARE(dead.value("count").toInt(), 6);
        QVERIFY(!dead.contains("deliveries")); // members that do not apply are left out
        QVERIFY(!dead.value("message").toString().isEmpty());
        const QJsonObject consumer = workers.value("consumers_detail").toArray().first().toObject();
        QCOMPARE(consumer.value("name").toString(), QStringLiteral("w1"));
        QCOMPARE(consumer.value("pending").toInt(), 6);
        QVERIFY(consumer.value("idle_ms").isDouble());
        QVERIFY(consumer.contains("inactive_ms")); // null before 7.2

        // Unknown lag is null, not 0.
        const RedisReply ids = run(*m_admin, {"XRANGE", "jobs", "-", "+"});
        run(*m_admin, {"XGROUP", "SETID", "jobs", "idle", ids.at(2).at(0).bytes()});
        const Run unknown = cli(withUrl({QStringLiteral("doctor"), QStringLiteral("--json")}));
        const QJsonObject idleAgain = QJsonDocument::fromJson(unknown.out)
                                          .object()
                                          .value("streams")
                                          .toArray()
                                          .first()
                                          .toObject()
                                          .value("groups")
                                          .toArray()
                                          .first()
                                          .toObject();
        QVERIFY(idleAgain.value("lag").isNull());
        QStringList kinds;
        for (const QJsonValue &f : idleAgain.value("findings").toArray())
            kinds << f.toObject().value("kind").toString();
        QVERIFY2(kinds.contains(QStringLiteral("lag-unknown")), qPrintable(kinds.join(',')));

        const Run healthyOnly =
            cli(withUrl({QStringLiteral("doctor"), QStringLiteral("nomatch*")}));
        QCOMPARE(healthyOnly.exitCode, 0);
        const Run refused =
            cli({QStringLiteral("-p"), QString::number(LocalRedisServer::freePort()),
                 QStringLiteral("doctor")});
        QCOMPARE(refused.exitCode, 3);
    }

    void groupInspectionAndRepairs() {
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "q", 0, 5);
        QCOMPARE(cli(withUrl({"group", "create", "q", "g", "--from", "0"})).exitCode, 0);
        run(*m_admin, {"XREADGROUP", "GROUP", "g", "dead", "COUNT", "4", "STREAMS", "q", ">"});
        const RedisReply ids = run(*m_admin, {"XRANGE", "q", "-", "+"});
        const QString id0 = QString::fromLatin1(ids.at(0).at(0).bytes());
        const QString id1 = QString::fromLatin1(ids.at(1).at(0).bytes());
        const QString id2 = QString::fromLatin1(ids.at(2).at(0).bytes());
        const QString id3 = QString::fromLatin1(ids.at(3).at(0).bytes());

        const Run groups = cli(withUrl({"groups", "q"}));
        QCOMPARE(groups.exitCode, 0);
        QVERIFY(groups.out.contains("GROUP"));
        QVERIFY(QRegularExpression(QStringLiteral("g\\s+1\\s+4\\s"))
                    .match(QString::fromUtf8(groups.out))
                    .hasMatch());
        const Run consumers = cli(withUrl({"consumers", "q", "g", "--json"}));
        QCOMPARE(QJsonDocument::fromJson(consumers.out)
                     .array()
                     .first()
                     .toObject()
                     .value("pending")
                     .toInt(),
                 4);
        const Run pending = cli(withUrl({"pending", "q", "g", "--consumer", "dead", "--json"}));
        QCOMPARE(QJsonDocument::fromJson(pending.out).array().size(), 4);

        QCOMPARE(cli(withUrl({"ack", "q", "g", id0})).exitCode, 0);
        const Run claim = cli(withUrl({"claim", "q", "g", "alive", "--min-idle", "0", id1}));
        QCOMPARE(claim.exitCode, 0);
        QCOMPARE(claim.out.trimmed(), id1.toLatin1());
        // XAUTOCLAIM scans the PEL from the start: id1 (already alive's) and id2.
        const Run autoclaim = cli(
            withUrl({"autoclaim", "q", "g", "alive", "--min-idle", "0", "--count", "2", "--json"}));
        QCOMPARE(autoclaim.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(autoclaim.out).object().value("claimed").toArray().size(),
                 2);
        const Run dlq = cli(withUrl({"dead-letter", "q", "g", id3, "--to", "q:parked"}));
        QCOMPARE(dlq.exitCode, 0);
        const RedisReply parked = run(*m_admin, {"XRANGE", "q:parked", "-", "+"});
        QCOMPARE(parked.size(), size_t(1));
        QVERIFY(parked.at(0).at(1).toDebugString().contains(
            QStringLiteral("\"dlq.id\", \"%1\"").arg(id3)));
        const Run notPending = cli(withUrl({"dead-letter", "q", "g", id0}));
        QCOMPARE(notPending.exitCode, 4);
        QVERIFY(notPending.err.contains("not pending"));

        const RedisReply summary = run(*m_admin, {"XPENDING", "q", "g"});
        QCOMPARE(summary.at(0).integer(), 2); // id1 and id2 remain, now owned by "alive"
        const Run del = cli(withUrl({"group", "delconsumer", "q", "g", "alive"}));
        QCOMPARE(del.exitCode, 0);
        QVERIFY(del.out.contains("2 pending entries were dropped"));
        QCOMPARE(cli(withUrl({"group", "setid", "q", "g", "$"})).exitCode, 0);
        QCOMPARE(cli(withUrl({"group", "destroy", "q", "g"})).exitCode, 0);
        QCOMPARE(cli(withUrl({"groups", "q"})).out.trimmed(),
                 QByteArray("Stream q has no consumer groups."));
        const Run missing = cli(withUrl({"groups", "nope"}));
        QCOMPARE(missing.exitCode, 4);
        QVERIFY(missing.err.contains("no stream called"));
        QCOMPARE(cli(withUrl({"claim", "q", "g", "x", "1-1"})).exitCode, 2); // no --min-idle
        QCOMPARE(cli(withUrl({"ack", "q", "g", "bad-id"})).exitCode, 2);
    }

    // An entry is acknowledged only when its copy was written: an XRANGE refused by the ACL or
    // a target that is not a stream leave it pending with nothing in the dead-letter stream.
    // Only an entry the server says is gone is moved without a body, and the output says so.
    void deadLetterNeverLosesAnEntry() {
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "work", 0, 3);
        run(*m_admin, {"XGROUP", "CREATE", "work", "g", "0"});
        run(*m_admin, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "work", ">"});
        const RedisReply ids = run(*m_admin, {"XRANGE", "work", "-", "+"});
        const QString id0 = QString::fromLatin1(ids.at(0).at(0).bytes());
        const QString id1 = QString::fromLatin1(ids.at(1).at(0).bytes());
        run(*m_admin, {"ACL", "SETUSER", "noxrange", "on", ">pw", "~*", "+@all", "-xrange"});
        const QStringList asNoXrange{"-p", QString::number(m_server.port()), "--user", "noxrange"};

        const Run refused = cli(asNoXrange + QStringList{"dead-letter", "work", "g", id0}, "pw");
        QCOMPARE(refused.exitCode, 4);
        QVERIFY2(refused.err.contains("NOPERM"), refused.err.constData());
        QVERIFY2(refused.err.contains("still pending"), refused.err.constData());
        QVERIFY(refused.out.isEmpty());
        QCOMPARE(run(*m_admin, {"XPENDING", "work", "g"}).at(0).integer(), 3);
        QCOMPARE(run(*m_admin, {"EXISTS", "work:dlq"}).integer(), 0);

        // The copy would fail when EXEC runs it (WRONGTYPE): the XACK must not run either.
        run(*m_admin, {"SET", "not-a-stream", "x"});
        const Run wrongType =
            cli(withUrl({"dead-letter", "work", "g", id0, "--to", "not-a-stream"}));
        QCOMPARE(wrongType.exitCode, 4);
        QVERIFY2(wrongType.err.contains("WRONGTYPE"), wrongType.err.constData());
        QCOMPARE(run(*m_admin, {"XPENDING", "work", "g"}).at(0).integer(), 3);

        // Proven deleted: moved as a record, and the output says so.
        run(*m_admin, {"XDEL", "work", id1.toLatin1()});
        const Run deleted = cli(withUrl({"dead-letter", "work", "g", id1, "--json"}));
        QCOMPARE(deleted.exitCode, 0);
        const QJsonObject moved =
            QJsonDocument::fromJson(deleted.out).object().value("moved").toArray().at(0).toObject();
        QCOMPARE(moved.value("id").toString(), id1);
        QVERIFY(moved.value("deleted").toBool());
        const Run live = cli(withUrl({"dead-letter", "work", "g", id0}));
        QCOMPARE(live.exitCode, 0);
        QVERIFY(!live.out.contains("no longer exists"));
        const RedisReply dlq = run(*m_admin, {"XRANGE", "work:dlq", "-", "+"});
        QCOMPARE(dlq.size(), size_t(2));
        QVERIFY(dlq.at(0).at(1).toDebugString().contains(QLatin1String("\"dlq.deleted\", \"1\"")));
        QVERIFY(dlq.at(1).at(1).toDebugString().contains(QLatin1String("\"payload\"")));
        QCOMPARE(run(*m_admin, {"XPENDING", "work", "g"}).at(0).integer(), 1);
    }

    // Every write action under --read-only: refused with exit code 5, and the server's own
    // statistics show that none of those commands arrived.
    void readOnlySendsNoWrite() {
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "ro", 0, 3);
        run(*m_admin, {"XGROUP", "CREATE", "ro", "g", "0"});
        run(*m_admin, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "ro", ">"});
        const QString id =
            QString::fromLatin1(run(*m_admin, {"XRANGE", "ro", "-", "+"}).at(0).at(0).bytes());
        run(*m_admin, {"CONFIG", "RESETSTAT"});
        const QList<QStringList> writes{
            {"publish", "ro", "f=v"},
            {"ack", "ro", "g", id},
            {"claim", "ro", "g", "other", "--min-idle", "0", id},
            {"autoclaim", "ro", "g", "other", "--min-idle", "0"},
            {"dead-letter", "ro", "g", id},
            {"group", "create", "ro", "g2"},
            {"group", "setid", "ro", "g", "$"},
            {"group", "destroy", "ro", "g"},
            {"group", "delconsumer", "ro", "g", "c"},
        };
        for (const QStringList &w : writes) {
            const Run r = cli(withUrl(QStringList{QStringLiteral("--read-only")} + w));
            QVERIFY2(r.exitCode == 5,
                     qPrintable(w.join(' ') + QLatin1String(": ") + QString::fromUtf8(r.err)));
            QVERIFY(r.err.contains("read-only mode"));
        }
        const QByteArray stats = run(*m_admin, {"INFO", "commandstats"}).bytes();
        for (const char *cmd :
             {"cmdstat_xadd", "cmdstat_xack", "cmdstat_xclaim", "cmdstat_xautoclaim",
              "cmdstat_xgroup", "cmdstat_multi", "cmdstat_exec", "cmdstat_xreadgroup"})
            QVERIFY2(!stats.contains(cmd), cmd);
        // Reads still work in read-only mode.
        QCOMPARE(cli(withUrl({"--read-only", "groups", "ro"})).exitCode, 0);
        QCOMPARE(run(*m_admin, {"XPENDING", "ro", "g"}).at(0).integer(), 3);
    }

private:
    qint64 xaddCalls() { return commandCalls(*m_admin, "XADD"); }

    QString m_binary;
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_admin;
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
