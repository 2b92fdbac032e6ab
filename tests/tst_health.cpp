// Each health rule with a scenario built from real commands that must trigger it, and a
// healthy twin that must not, judged by runDoctor (what `doctor` and the GUI use).
#include "Doctor.h"
#include "TestRedis.h"

#include <QJsonDocument>
#include <QSet>
#include <QTest>

#include <atomic>
#include <limits>
#include <thread>

using namespace streamscope;
using namespace streamscope::test;

namespace {

HealthOptions fast(qint64 idleMs = 200, int window = 0) {
    HealthOptions o;
    o.idleThresholdMs = idleMs;
    o.windowSeconds = window;
    return o;
}

QStringList kinds(const DoctorReport &report, const QByteArray &stream) {
    QStringList out;
    for (const DoctorReport::Stream &s : report.streams)
        if (s.info.name == stream)
            for (const DoctorReport::Group &g : s.groups)
                for (const Finding &f : g.findings)
                    out << f.kind;
    out.sort();
    return out;
}

const Finding *find(const DoctorReport &report, const QString &kind) {
    for (const DoctorReport::Stream &s : report.streams)
        for (const DoctorReport::Group &g : s.groups)
            for (const Finding &f : g.findings)
                if (f.kind == kind)
                    return &f;
    return nullptr;
}

const GroupStatus *group(const DoctorReport &report, const QByteArray &stream) {
    for (const DoctorReport::Stream &s : report.streams)
        if (s.info.name == stream && !s.groups.isEmpty())
            return &s.groups.first().status;
    return nullptr;
}

} // namespace

class TestHealth : public QObject {
    Q_OBJECT
private:
    DoctorReport doctor(const HealthOptions &options, const QByteArray &pattern = "*") {
        auto report = runDoctor(*m_c, pattern, options);
        if (!report.ok())
            QTest::qFail(qPrintable(report.error().message), __FILE__, __LINE__);
        return report.ok() ? report.value() : DoctorReport();
    }
    void readGroup(const QByteArray &stream, const QByteArray &consumer, int count, bool ack) {
        StreamEntryList got;
        auto reply = m_c->commandEntries({"XREADGROUP", "GROUP", "g", consumer, "COUNT",
                                          QByteArray::number(count), "STREAMS", stream, ">"},
                                         2, &got);
        QVERIFY(reply.ok());
        if (ack)
            for (const StreamEntry &e : got)
                run(*m_c, {"XACK", stream, "g", e.id.toByteArray()});
    }
    void makeGroup(const QByteArray &stream, int entries, const QByteArray &from = "0") {
        addEntries(*m_c, stream, 0, entries);
        run(*m_c, {"XGROUP", "CREATE", stream, "g", from});
    }

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_c = connectTo(m_server.settings());
        run(*m_c, {"FLUSHALL"});
    }

    void healthyGroupHasNoFindings() {
        makeGroup("s", 10);
        readGroup("s", "c1", 10, true);
        QTest::qWait(300); // idle past the threshold, but with nothing pending or left to read
        const DoctorReport r = doctor(fast());
        QCOMPARE(kinds(r, "s"), QStringList());
        QCOMPARE(group(r, "s")->lag, std::optional<qint64>(0));
        QVERIFY(!group(r, "s")->lagEstimated);
        QCOMPARE(r.findingCount(), 0);
        QCOMPARE(r.version.left(2), QStringLiteral("7."));
    }

    void deadConsumerAndStuckEntries() {
        makeGroup("s", 10);
        readGroup("s", "worker", 4, false); // 4 pending, never acknowledged
        readGroup("s", "fine", 6, true);
        QTest::qWait(300);
        const DoctorReport r = doctor(fast());
        QCOMPARE(kinds(r, "s"), (QStringList{"dead-consumer", "stuck-entry"}));
        const Finding *dead = find(r, QStringLiteral("dead-consumer"));
        QCOMPARE(dead->severity, Severity::Critical);
        QCOMPARE(dead->consumer, QByteArray("worker"));
        QCOMPARE(dead->count, std::optional<qint64>(4));
        QVERIFY(*dead->idleMs >= 200);
        QVERIFY(dead->message.contains(QLatin1String("claim")));
        const Finding *stuck = find(r, QStringLiteral("stuck-entry"));
        QCOMPARE(stuck->severity, Severity::Warning);
        QCOMPARE(stuck->count, std::optional<qint64>(4));
        QVERIFY(stuck->entryId.has_value());

        // Twin: the same pending entries, but not idle long enough yet.
        const DoctorReport twin = doctor(fast(60000));
        QCOMPARE(kinds(twin, "s"), QStringList());
    }

    void poisonEntry() {
        makeGroup("s", 3);
        readGroup("s", "c1", 3, false);
        const RedisReply first = run(*m_c, {"XRANGE", "s", "-", "+", "COUNT", "1"});
        const QByteArray id = first.at(0).at(0).bytes();
        for (int i = 0; i < 3; ++i) // deliveries: 1 read + 3 claims = 4
            run(*m_c, {"XCLAIM", "s", "g", "c1", "0", id});
        const DoctorReport twin = doctor(fast(60000));
        QVERIFY(!kinds(twin, "s").contains(QStringLiteral("poison-entry")));

        run(*m_c, {"XCLAIM", "s", "g", "c1", "0", id}); // the 5th delivery
        const DoctorReport r = doctor(fast(60000));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("poison-entry")});
        const Finding *poison = find(r, QStringLiteral("poison-entry"));
        QCOMPARE(poison->severity, Severity::Critical);
        QCOMPARE(poison->entryId->toByteArray(), id);
        QCOMPARE(poison->deliveries, std::optional<qint64>(5));
    }

    void noConsumers() {
        makeGroup("s", 5);      // from 0: five entries to read, nobody to read them
        makeGroup("t", 5, "$"); // twin: nothing to read
        const DoctorReport r = doctor(fast(60000));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("no-consumers")});
        QCOMPARE(find(r, QStringLiteral("no-consumers"))->count, std::optional<qint64>(5));
        QCOMPARE(kinds(r, "t"), QStringList());
    }

    void stalledGroupOverAWindow() {
        makeGroup("s", 20);
        readGroup("s", "c1", 5, true); // a consumer exists, 15 left, nobody reading now
        const DoctorReport r = doctor(fast(60000, 1));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("stalled-group")});

        // Twin: someone reads during the window.
        // A reader that failed would make the twin pass or fail for the wrong reason: its
        // errors are counted here (QVERIFY only works on the test's thread).
        std::atomic<bool> stop{false};
        std::atomic<int> failures{0};
        std::thread reader([&] {
            RedisConnection c(m_server.settings());
            if (c.open()) {
                ++failures;
                return;
            }
            while (!stop) {
                if (!c.command(
                          {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">"})
                         .ok())
                    ++failures;
                QThread::msleep(100);
            }
        });
        const DoctorReport twin = doctor(fast(60000, 1));
        stop = true;
        reader.join();
        QCOMPARE(failures.load(), 0);
        QVERIFY2(!kinds(twin, "s").contains(QStringLiteral("stalled-group")),
                 qPrintable(kinds(twin, "s").join(QLatin1Char(','))));
    }

    void stalledGroupInOneSnapshot() {
        makeGroup("s", 10);
        readGroup("s", "c1", 2, true);
        QTest::qWait(300);
        const DoctorReport r = doctor(fast(200));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("stalled-group")});
    }

    void laggingGroup() {
        makeGroup("s", 10);
        readGroup("s", "c1", 10, true);
        // Producers add 5 entries every 100 ms; the consumer reads 1.
        // The worker's errors are counted (QVERIFY only works on the test's thread): a failed
        // producer or reader would make either verdict meaningless.
        std::atomic<int> failures{0};
        auto activity = [&](int produce) {
            std::atomic<bool> stop{false};
            std::thread worker([&, produce] {
                RedisConnection c(m_server.settings());
                if (c.open()) {
                    ++failures;
                    return;
                }
                int seq = 1000;
                while (!stop) {
                    for (int i = 0; i < produce; ++i)
                        if (!c.command({"XADD", "s", "*", "seq", QByteArray::number(seq++)}).ok())
                            ++failures;
                    if (!c.command(
                              {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">"})
                             .ok())
                        ++failures;
                    QThread::msleep(100);
                }
            });
            const DoctorReport report = doctor(fast(60000, 2));
            stop = true;
            worker.join();
            return report;
        };
        const DoctorReport r = activity(5);
        QCOMPARE(failures.load(), 0);
        QVERIFY2(kinds(r, "s").contains(QStringLiteral("lagging-group")),
                 qPrintable(kinds(r, "s").join(QLatin1Char(','))));
        QCOMPARE(find(r, QStringLiteral("lagging-group"))->severity, Severity::Warning);
        QVERIFY(*find(r, QStringLiteral("lagging-group"))->count > 0);

        // Twin: the consumer works off the backlog while nothing new arrives, so its lag shrinks.
        // (Producing and reading one entry per tick would let a sample fall between the two.)
        const DoctorReport twin = activity(0);
        QCOMPARE(failures.load(), 0);
        QVERIFY2(!kinds(twin, "s").contains(QStringLiteral("lagging-group")),
                 qPrintable(kinds(twin, "s").join(QLatin1Char(','))));
    }

    void lagUnknownAfterSetid() {
        makeGroup("s", 10);
        const RedisReply all = run(*m_c, {"XRANGE", "s", "-", "+"});
        run(*m_c, {"XGROUP", "SETID", "s", "g", all.at(4).at(0).bytes()});
        readGroup("s", "c1", 1, true); // a consumer, so that only lag is in question
        const DoctorReport r = doctor(fast(60000));
        const GroupStatus *g = group(r, "s");
        QVERIFY(!g->lag.has_value());
        QVERIFY(g->lagNote.contains(QLatin1String("SETID")));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("lag-unknown")});
        QVERIFY(find(r, QStringLiteral("lag-unknown"))->message.contains(QLatin1String("SETID")));

        // Twin: SETID with ENTRIESREAD keeps the lag known.
        run(*m_c, {"XGROUP", "SETID", "s", "g", all.at(4).at(0).bytes(), "ENTRIESREAD", "5"});
        const DoctorReport twin = doctor(fast(60000));
        QCOMPARE(group(twin, "s")->lag, std::optional<qint64>(5));
        QCOMPARE(kinds(twin, "s"), QStringList());
    }

    void trimmedUnread() {
        makeGroup("s", 20);
        readGroup("s", "c1", 5, true);
        run(*m_c, {"XTRIM", "s", "MAXLEN", "5"}); // 10 entries the group never got are gone
        const DoctorReport r = doctor(fast(60000));
        QVERIFY2(kinds(r, "s").contains(QStringLiteral("trimmed-unread")),
                 qPrintable(kinds(r, "s").join(QLatin1Char(','))));
        const Finding *f = find(r, QStringLiteral("trimmed-unread"));
        QCOMPARE(f->severity, Severity::Critical);
        QCOMPARE(f->count, std::optional<qint64>(10));

        // Twin: the group had read everything before the trim.
        makeGroup("t", 20);
        readGroup("t", "c1", 20, true);
        run(*m_c, {"XTRIM", "t", "MAXLEN", "5"});
        const DoctorReport twin = doctor(fast(60000), "t");
        QCOMPARE(kinds(twin, "t"), QStringList());
    }

    // A group created at $ on 7.0 has no entries-read: the count of entries lost is unknown,
    // but entries-added minus length minus what the group surely got (its pending entries)
    // bounds it.
    void trimmedUnreadBoundWithoutEntriesRead() {
        addEntries(*m_c, "s", 0, 100);
        run(*m_c, {"XGROUP", "CREATE", "s", "g", "$"});
        addEntries(*m_c, "s", 100, 3000);
        readGroup("s", "c1", 300, false); // 300 delivered, pending
        run(*m_c, {"XTRIM", "s", "MAXLEN", "0"});
        addEntries(*m_c, "s", 3100, 2);
        const DoctorReport r = doctor(fast(60000));
        const GroupStatus *g = group(r, "s");
        QVERIFY(g);
        if (g->entriesRead)
            QSKIP("this server keeps entries-read for a group created at $");
        const Finding *f = find(r, QStringLiteral("trimmed-unread"));
        QVERIFY2(f, qPrintable(kinds(r, "s").join(QLatin1Char(','))));
        // 3,102 added - 2 left - 300 delivered
        QVERIFY2(f->message.contains(QLatin1String("at most 2,800 entries")),
                 qPrintable(f->message));
        QCOMPARE(f->count, std::nullopt); // not an exact count
        QCOMPARE(f->atMost, std::optional<qint64>(2800));
    }

    void deletedUnreadEntry() {
        makeGroup("s", 10);
        readGroup("s", "c1", 3, true);
        const RedisReply all = run(*m_c, {"XRANGE", "s", "-", "+"});
        run(*m_c, {"XDEL", "s", all.at(7).at(0).bytes()}); // not yet delivered to the group
        const DoctorReport r = doctor(fast(60000));
        QVERIFY2(kinds(r, "s").contains(QStringLiteral("trimmed-unread")),
                 qPrintable(kinds(r, "s").join(QLatin1Char(','))));
    }

    void danglingPending() {
        makeGroup("s", 5);
        readGroup("s", "c1", 5, false); // all pending
        const DoctorReport twin = doctor(fast(60000));
        QCOMPARE(kinds(twin, "s"), QStringList());

        const RedisReply all = run(*m_c, {"XRANGE", "s", "-", "+"});
        run(*m_c, {"XDEL", "s", all.at(2).at(0).bytes()});
        const DoctorReport r = doctor(fast(60000));
        QCOMPARE(kinds(r, "s"), QStringList{QStringLiteral("dangling-pending")});
        const Finding *f = find(r, QStringLiteral("dangling-pending"));
        QCOMPARE(f->entryId->toByteArray(), all.at(2).at(0).bytes());
        QCOMPARE(f->count, std::optional<qint64>(1));
    }

    void statusFigures() {
        makeGroup("s", 10);
        readGroup("s", "c1", 4, false);
        QTest::qWait(50);
        auto status = fetchStreamStatus(*m_c, {"s", "missing"}, fetchServerVersion(*m_c));
        QVERIFY(status.ok());
        QCOMPARE(status->size(), 1); // a stream that does not exist is left out
        const GroupStatus &g = status->first().groups.first();
        QCOMPARE(g.pending, qint64(4));
        QCOMPARE(g.entriesRead, std::optional<qint64>(4));
        QCOMPARE(g.lag, std::optional<qint64>(6));
        QVERIFY(g.timeLagMs >= 50); // the 5th entry waits since it was added
        QVERIFY(g.oldestPendingId.has_value());
        QCOMPARE(g.consumerList.size(), 1);
        QCOMPARE(g.consumerList.first().pending, qint64(4));
    }

    // The doctor asks doctorChunkStreams streams per round trip: across chunk boundaries every
    // stream and every group comes exactly once, in name order, each with its own figures.
    void chunksSeeEveryStreamOnce() {
        const int streams = 2 * doctorChunkStreams + 7;
        QList<Command> fill;
        for (int i = 0; i < streams; ++i) {
            const QByteArray name = "c:" + QByteArray::number(i);
            for (int j = 0; j <= i % 5; ++j) // i % 5 + 1 entries: figures differ by stream
                fill.append({"XADD", name, "*", "n", QByteArray::number(j)});
            fill.append({"XGROUP", "CREATE", name, "read", "$"});
            fill.append({"XGROUP", "CREATE", name, "unread", "0"});
        }
        QVERIFY(m_c->pipeline(fill, 60000).ok());
        const DoctorReport r = doctor(fast(), "c:*");
        QCOMPARE(r.streams.size(), streams);
        QVERIFY(!r.partial());
        QSet<QByteArray> seen;
        for (qsizetype i = 0; i < r.streams.size(); ++i) {
            const DoctorReport::Stream &s = r.streams.at(i);
            if (i > 0)
                QVERIFY(r.streams.at(i - 1).info.name < s.info.name);
            seen.insert(s.info.name);
            const int n = s.info.name.mid(2).toInt();
            QCOMPARE(s.info.length, qint64(n % 5 + 1));
            QCOMPARE(s.groups.size(), 2);
            QCOMPARE(s.groups.at(0).status.name, QByteArray("read"));
            QCOMPARE(s.groups.at(0).status.lag, std::optional<qint64>(0));
            QCOMPARE(s.groups.at(1).status.name, QByteArray("unread"));
            QCOMPARE(s.groups.at(1).status.lag, std::optional<qint64>(n % 5 + 1));
            for (const DoctorReport::Group &g : s.groups)
                for (const Finding &f : g.findings)
                    QCOMPARE(f.stream, s.info.name); // findings stay with their stream
        }
        QCOMPARE(seen.size(), streams);
    }

    // `doctor --json` writes the report directly; it must be byte for byte what the QJsonObject
    // that `serve` serves on /health gives, for every kind of value: names that need escaping
    // or are not UTF-8, numbers of every size, nulls, not-evaluated rules, missing nodes.
    void jsonTextIsTheJsonObject() {
        makeGroup("s", 10);
        readGroup("s", "c1", 4, false);
        makeGroup(QByteArray("we\"ird\\\n\t\x01 \xc3\xa9 \xf0\x9f\x98\x80 \xff name"), 3);
        run(*m_c, {"XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"});
        QTest::qWait(250);
        DoctorReport r = doctor(fast());
        QCOMPARE(r.streams.size(), 3);
        auto same = [](const DoctorReport &report) {
            const QByteArray text = doctorReportJsonText(report);
            const QByteArray qt =
                QJsonDocument(doctorReportJson(report)).toJson(QJsonDocument::Compact);
            if (text == qt)
                return true;
            qsizetype at = 0;
            while (at < text.size() && at < qt.size() && text.at(at) == qt.at(at))
                ++at;
            qWarning("differ at %lld: written ...%s... QJsonDocument ...%s...", qint64(at),
                     text.mid(qMax<qsizetype>(0, at - 40), 80).constData(),
                     qt.mid(qMax<qsizetype>(0, at - 40), 80).constData());
            return false;
        };
        QVERIFY2(same(r), doctorReportJsonText(r).constData());

        // Values a live server does not easily give.
        DoctorReport::Group &g = r.streams[0].groups[0];
        g.status.consumerList.append({"\x7f\x80 consumer", 600000, 123456789012345, -1});
        g.status.consumerList.append({"c3", 0, 0, std::nullopt});
        g.status.entriesRead = qint64(1) << 60;
        g.status.lag = (qint64(1) << 53) + 2;
        g.status.timeLagUnknown = QStringLiteral("unknown: no permission (add +xrange)");
        g.status.name = QByteArray("\xed\xa0\x80 lone surrogate bytes");
        Finding f;
        f.kind = QStringLiteral("not-evaluated");
        f.message = QString(QChar(0xd800)) + QStringLiteral(" lone \u00e9 \u20ac \b\f\r");
        f.rules = QStringList{QStringLiteral("stuck-entry"), QStringLiteral("poison-entry")};
        f.reason = QStringLiteral("no permission: add +xpending");
        f.consumer = "c1";
        f.entryId = StreamId{1700000000000, 3};
        f.count = std::numeric_limits<qint64>::max();
        f.atMost = 1000000000000000000;
        f.idleMs = 60000;
        f.deliveries = 0;
        g.findings.append(f);
        r.streams[1].info.slot = 16383;
        r.streams[1].info.node = QStringLiteral("127.0.0.1:7000");
        r.streams[2].info.noAccess = QStringLiteral("no permission: \"~s*\" only");
        r.missing.append({QStringLiteral("10.0.0.1:7001"), QStringLiteral("0-5460,6000"),
                          QStringLiteral("connection refused")});
        r.truncated = true;
        QVERIFY2(same(r), doctorReportJsonText(r).constData());
        g.status.lag = std::nullopt;
        g.status.entriesRead = -(qint64(1) << 53);
        QVERIFY2(same(r), doctorReportJsonText(r).constData());
        r.versionUnknown = QStringLiteral("no permission: add +info");
        r.streams.clear();
        QVERIFY2(same(r), doctorReportJsonText(r).constData());
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_GUILESS_MAIN(TestHealth)
#include "tst_health.moc"
