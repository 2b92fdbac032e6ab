// Alerts for serve: the tracker's transitions and hysteresis, the JSON body, delivery to a real
// local HTTP receiver (retries, timeout, order, bounded queue), commands with their
// environment, and the tracker driven by a real poller on a real redis-server.

#include "Alerts.h"
#include "ClusterSlots.h"
#include "LocalRedisCluster.h"
#include "ServerPoller.h"
#include "TestCluster.h"
#include "TestRedis.h"
#include "ValueFormat.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace streamscope;
using namespace streamscope::test;

namespace {

Finding finding(const QString &kind, Severity severity, const QByteArray &stream = "orders",
                const QByteArray &group = "billing", const QByteArray &consumer = "c1") {
    Finding f;
    f.kind = kind;
    f.severity = severity;
    f.stream = stream;
    f.group = group;
    f.consumer = consumer;
    f.message = kind + QStringLiteral(" found");
    return f;
}

const QByteArray G = groupKey("orders", "billing");

QHash<QByteArray, FindingList> with(const FindingList &list, const QByteArray &group = G) {
    return {{group, list}};
}
QHash<QByteArray, FindingList> none(const QByteArray &group = G) {
    return {{group, {}}};
}
const QSet<QByteArray> examinedG{G};
const QHash<QByteArray, FindingList> nothing;
const QSet<QByteArray> noGroups;

QStringList names(const QList<AlertEvent> &events) {
    QStringList out;
    for (const AlertEvent &e : events)
        out << transitionName(e.transition);
    return out;
}

AlertEvent alertEvent(AlertEvent::Transition transition, const QString &key = QStringLiteral("k"),
                      const QByteArray &consumer = "c1") {
    AlertEvent e;
    e.transition = transition;
    e.finding =
        finding(QStringLiteral("dead-consumer"), Severity::Critical, "orders", "billing", consumer);
    e.finding.count = 3;
    e.finding.idleMs = 61000;
    e.previous = transition == AlertEvent::Transition::Raised ? Severity::Ok : Severity::Critical;
    e.atMs = QDateTime::currentMSecsSinceEpoch();
    e.sinceMs = e.atMs - 5000;
    e.key = key;
    return e;
}

// A webhook receiver on loopback: answers each request with the next scripted status (200 when
// the script is empty), or never answers when silent.
class Receiver : public QObject {
public:
    struct Request {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // names lower-case
        QByteArray body;
        QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    };
    QList<Request> requests;
    QList<int> script;
    bool silent = false;

    bool listen() {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, socket,
                        [this, socket, buffer] { read(socket, *buffer); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    QUrl url() const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/hook").arg(m_server.serverPort()));
    }
    QStringList transitions() const {
        QStringList out;
        for (const Request &r : requests)
            out << r.json().value(QStringLiteral("transition")).toString();
        return out;
    }

private:
    void read(QTcpSocket *socket, QByteArray &buffer) {
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            Request r;
            const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            r.method = first.value(0);
            r.path = first.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    r.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                     lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = r.headers.value("content-length").toLongLong();
            if (buffer.size() < headEnd + 4 + length)
                return;
            r.body = buffer.mid(headEnd + 4, length);
            buffer.remove(0, headEnd + 4 + length);
            requests.append(r);
            if (silent)
                continue;
            const int status = script.isEmpty() ? 200 : script.takeFirst();
            const QByteArray body = status < 300 ? "ok" : "scripted failure";
            socket->write("HTTP/1.1 " + QByteArray::number(status)
                          + " Scripted\r\nContent-Length: " + QByteArray::number(body.size())
                          + "\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body);
            socket->disconnectFromHost();
            return;
        }
    }
    QTcpServer m_server;
};

// What a sender reported, received on the test's thread (QSignalSpy would record on the
// sender's thread while the test reads).
class Outcomes : public QObject {
public:
    explicit Outcomes(AlertSender *sender) {
        connect(sender, &AlertSender::delivered, this,
                [this](const QString &key, const QString &target) {
                    delivered.append({key, target});
                });
        connect(sender, &AlertSender::failed, this,
                [this](const QString &key, const QString &target, const QString &error) {
                    failed.append({key, target, error});
                });
    }
    QList<QStringList> delivered;
    QList<QStringList> failed;
};

// Alive and not a zombie waiting to be reaped.
bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2, 1) != "Z";
}

QByteArray readFile(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestAlerts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ---- AlertTracker ----------------------------------------------------------------------

    void raisedAfterItLasted() {
        AlertTracker tracker({2000, 5000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QCOMPARE(names(tracker.update(with(dead), examinedG, 10000)), QStringList());
        QCOMPARE(names(tracker.update(with(dead), examinedG, 11000)), QStringList());
        const QList<AlertEvent> raised = tracker.update(with(dead), examinedG, 12000);
        QCOMPARE(names(raised), QStringList{QStringLiteral("raised")});
        QCOMPARE(raised.first().finding.severity, Severity::Critical);
        QCOMPARE(raised.first().previous, Severity::Ok);
        QCOMPARE(raised.first().atMs, 12000);
        QCOMPARE(raised.first().sinceMs, 10000);
        QCOMPARE(raised.first().key, QStringLiteral("dead-consumer:orders/billing/c1"));
        // Still there: nothing more.
        QCOMPARE(names(tracker.update(with(dead), examinedG, 13000)), QStringList());
        QCOMPARE(tracker.active().size(), 1);
    }

    void aBlipIsNotRaised() {
        AlertTracker tracker({2000, 5000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QVERIFY(tracker.update(with(dead), examinedG, 0).isEmpty());
        for (qint64 t = 1000; t <= 20000; t += 1000)
            QVERIFY(tracker.update(none(), examinedG, t).isEmpty());
        QCOMPARE(tracker.tracked(), 0); // forgotten after clearAfterMs
    }

    void zeroHysteresisRaisesAndClearsAtOnce() {
        AlertTracker tracker;
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QCOMPARE(names(tracker.update(with(dead), examinedG, 0)), QStringList{"raised"});
        QCOMPARE(names(tracker.update(none(), examinedG, 1)), QStringList{"cleared"});
    }

    void theEntryIdIsNotPartOfTheIdentity() {
        AlertTracker tracker({0, 5000});
        Finding stuck = finding(QStringLiteral("stuck-entry"), Severity::Warning);
        stuck.entryId = StreamId{1, 0};
        QCOMPARE(names(tracker.update(with({stuck}), examinedG, 0)), QStringList{"raised"});
        stuck.entryId = StreamId{2, 0};
        stuck.consumer = "c2"; // the oldest stuck entry now belongs to another consumer
        stuck.count = 7;
        QCOMPARE(names(tracker.update(with({stuck}), examinedG, 1000)), QStringList());
        // Another consumer's dead-consumer finding is another problem.
        const FindingList both{stuck, finding(QStringLiteral("dead-consumer"), Severity::Critical,
                                              "orders", "billing", "c2")};
        QCOMPARE(names(tracker.update(with(both), examinedG, 2000)), QStringList{"raised"});
        QCOMPARE(tracker.active().size(), 2);
    }

    void severityChangeNeedsToLast() {
        AlertTracker tracker({2000, 5000});
        const FindingList warning{finding(QStringLiteral("lagging-group"), Severity::Warning)};
        const FindingList critical{finding(QStringLiteral("lagging-group"), Severity::Critical)};
        tracker.update(with(warning), examinedG, 0);
        QCOMPARE(names(tracker.update(with(warning), examinedG, 2000)), QStringList{"raised"});
        // Flapping severity: no change alerts.
        for (qint64 t = 3000; t <= 12000; t += 1000)
            QVERIFY(tracker.update(with(t % 2000 ? critical : warning), examinedG, t).isEmpty());
        // Critical for 2 s: one Changed.
        QVERIFY(tracker.update(with(critical), examinedG, 13000).isEmpty());
        QVERIFY(tracker.update(with(critical), examinedG, 14000).isEmpty());
        const QList<AlertEvent> changed = tracker.update(with(critical), examinedG, 15000);
        QCOMPARE(names(changed), QStringList{"changed"});
        QCOMPARE(changed.first().previous, Severity::Warning);
        QCOMPARE(changed.first().finding.severity, Severity::Critical);
        QVERIFY(tracker.update(with(critical), examinedG, 16000).isEmpty());
        // Cleared: the last severity is the previous one.
        QVERIFY(tracker.update(none(), examinedG, 17000).isEmpty());
        const QList<AlertEvent> cleared = tracker.update(none(), examinedG, 22000);
        QCOMPARE(names(cleared), QStringList{"cleared"});
        QCOMPARE(cleared.first().previous, Severity::Critical);
        QVERIFY(cleared.first().note.contains(QLatin1String("not found for")));
    }

    void clearedAfterItStayedAway() {
        AlertTracker tracker({0, 5000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QCOMPARE(names(tracker.update(with(dead), examinedG, 0)), QStringList{"raised"});
        for (qint64 t = 1000; t < 6000; t += 1000)
            QVERIFY(tracker.update(none(), examinedG, t).isEmpty());
        const QList<AlertEvent> cleared = tracker.update(none(), examinedG, 6000);
        QCOMPARE(names(cleared), QStringList{"cleared"});
        QCOMPARE(cleared.first().finding.kind, QStringLiteral("dead-consumer"));
        // Its text says why it cleared first; the finding's message is marked as the past.
        const QString text = alertText(cleared.first());
        QVERIFY2(text.startsWith(QLatin1String("CLEARED (was critical) dead-consumer on ")),
                 qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("(not found for 5 s); when last seen: ")),
                 qPrintable(text));
        QCOMPARE(tracker.tracked(), 0);
        QVERIFY(tracker.update(none(), examinedG, 7000).isEmpty());
    }

    void flappingRaisesOnceAndClearsOnce() {
        AlertTracker tracker({2000, 5000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QStringList all;
        for (int poll = 0; poll < 60; ++poll)
            all += names(tracker.update(poll % 2 ? none() : with(dead), examinedG, poll * 1000));
        QCOMPARE(all, QStringList{"raised"});
        for (int poll = 60; poll < 80; ++poll)
            all += names(tracker.update(none(), examinedG, poll * 1000));
        QCOMPARE(all, (QStringList{"raised", "cleared"}));
    }

    void aGroupNotExaminedNeitherRaisesNorClears() {
        AlertTracker tracker({2000, 5000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        // Seen once, then its node is down: no raise while it is not examined.
        QVERIFY(tracker.update(with(dead), examinedG, 0).isEmpty());
        for (qint64 t = 1000; t <= 30000; t += 1000)
            QVERIFY(tracker.update(nothing, noGroups, t).isEmpty());
        // Seen again: it has lasted, raised.
        QCOMPARE(names(tracker.update(with(dead), examinedG, 31000)), QStringList{"raised"});
        // Not examined for minutes: held, not cleared.
        for (qint64 t = 32000; t <= 300000; t += 1000)
            QVERIFY(tracker.update(nothing, noGroups, t).isEmpty());
        QCOMPARE(tracker.active().size(), 1);
        // Another group examined does not clear this one.
        const QByteArray other = groupKey("orders", "shipping");
        QVERIFY(tracker.update(none(other), {other}, 301000).isEmpty());
        // Examined and absent for clearAfterMs: cleared.
        QVERIFY(tracker.update(nothing, examinedG, 302000).isEmpty());
        QCOMPARE(names(tracker.update(nothing, examinedG, 307000)), QStringList{"cleared"});
    }

    void notEvaluatedNeverAlerts() {
        AlertTracker tracker;
        Finding gap = finding(QStringLiteral("not-evaluated"), Severity::Warning);
        gap.rules = QStringList{QStringLiteral("stuck-entry")};
        gap.reason = QStringLiteral("no permission: XPENDING");
        for (qint64 t = 0; t < 10000; t += 1000)
            QVERIFY(tracker.update(with({gap}), examinedG, t).isEmpty());
        QCOMPARE(tracker.tracked(), 0);
    }

    void aGoneGroupClearsAtOnceWithANote() {
        AlertTracker tracker({0, 60000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        QCOMPARE(names(tracker.update(with(dead), examinedG, 0)), QStringList{"raised"});
        const QList<AlertEvent> cleared =
            tracker.update(nothing, noGroups, QSet<QByteArray>{G}, 1000);
        QCOMPARE(names(cleared), QStringList{"cleared"});
        QVERIFY(cleared.first().note.contains(QLatin1String("gone")));
    }

    void fromSnapshots() {
        // The snapshot overload: a destroyed group and a deleted stream clear; a stream on a
        // node that did not answer is held.
        const auto snapshotOf = [](const QList<QPair<QByteArray, QByteArray>> &groups,
                                   const QHash<QByteArray, FindingList> &findings) {
            GroupSnapshot s;
            for (const auto &[stream, group] : groups) {
                StreamStatus status;
                status.info.name = stream;
                GroupStatus g;
                g.name = group;
                g.stream = stream;
                status.groups << g;
                s.streams << status;
                s.findings.insert(groupKey(stream, group), findings.value(groupKey(stream, group)));
            }
            return s;
        };
        AlertTracker tracker({0, 0});
        const Finding a = finding(QStringLiteral("dead-consumer"), Severity::Critical, "a", "g");
        const Finding b = finding(QStringLiteral("no-consumers"), Severity::Critical, "b", "g");
        const Finding c = finding(QStringLiteral("no-consumers"), Severity::Critical, "c", "g");
        QCOMPARE(names(tracker.update(
                     snapshotOf({{"a", "g"}, {"b", "g"}, {"c", "g"}}, {{groupKey("a", "g"), {a}},
                                                                       {groupKey("b", "g"), {b}},
                                                                       {groupKey("c", "g"), {c}}}),
                     {}, 0)),
                 (QStringList{"raised", "raised", "raised"}));
        // Stream a now has another group only (g destroyed); b is deleted; c lives on the slots
        // of a node that does not answer.
        const int slot = cluster::keySlot("c");
        QVERIFY(slot != cluster::keySlot("b"));
        const MissingNodeList missing{{QStringLiteral("127.0.0.1:7002"),
                                       QStringLiteral("0,%1-%2").arg(slot).arg(slot),
                                       QStringLiteral("refused")}};
        const QList<AlertEvent> events =
            tracker.update(snapshotOf({{"a", "other"}}, {}), missing, 1000);
        QCOMPARE(names(events), (QStringList{"cleared", "cleared"}));
        QCOMPARE(events.at(0).finding.stream, QByteArray("a"));
        QVERIFY(events.at(0).note.contains(QLatin1String("destroyed")));
        QCOMPARE(events.at(1).finding.stream, QByteArray("b"));
        QVERIFY(events.at(1).note.contains(QLatin1String("stream is gone")));
        QCOMPARE(tracker.active().size(), 1);
        // The node answers again and c's finding is gone: cleared.
        QCOMPARE(names(tracker.update(snapshotOf({{"c", "g"}}, {}), {}, 2000)),
                 QStringList{"cleared"});
    }

    // ---- The JSON body ---------------------------------------------------------------------

    void jsonShape() {
        AlertEvent e =
            alertEvent(AlertEvent::Transition::Raised, QStringLiteral("dead-consumer:x"));
        e.finding.entryId = StreamId{1700000000000, 3};
        e.atMs = 1764153600123; // 2025-11-26T10:40:00.123Z
        e.sinceMs = e.atMs - 5000;
        const QJsonObject o = QJsonDocument::fromJson(alertJson(e)).object();
        QCOMPARE(o.value("source").toString(), QStringLiteral("streamscope"));
        QCOMPARE(o.value("transition").toString(), QStringLiteral("raised"));
        QCOMPARE(o.value("status").toString(), QStringLiteral("firing"));
        QCOMPARE(o.value("severity").toString(), QStringLiteral("critical"));
        QCOMPARE(o.value("previous_severity").toString(), QStringLiteral("ok"));
        QCOMPARE(o.value("kind").toString(), QStringLiteral("dead-consumer"));
        QCOMPARE(o.value("stream").toString(), QStringLiteral("orders"));
        QCOMPARE(o.value("group").toString(), QStringLiteral("billing"));
        QCOMPARE(o.value("consumer").toString(), QStringLiteral("c1"));
        QCOMPARE(o.value("entry_id").toString(), QStringLiteral("1700000000000-3"));
        QCOMPARE(o.value("count").toInt(), 3);
        QCOMPARE(o.value("idle_ms").toInt(), 61000);
        QCOMPARE(o.value("message").toString(), QStringLiteral("dead-consumer found"));
        QCOMPARE(o.value("at").toString(), QStringLiteral("2025-11-26T10:40:00.123Z"));
        QCOMPARE(o.value("key").toString(), QStringLiteral("dead-consumer:x"));
        QCOMPARE(o.value("fingerprint").toString().size(), 16);
        QVERIFY(
            o.value("text").toString().startsWith(QLatin1String("RAISED critical dead-consumer")));
        QVERIFY(o.value("note").isNull());
        QCOMPARE(o.value("schema").toString(), QStringLiteral("streamscope.alert/1"));
        // Alertmanager's webhook envelope, one alert in it.
        QCOMPARE(o.value("version").toString(), QStringLiteral("4"));
        QCOMPARE(o.value("groupKey").toString(), QStringLiteral("dead-consumer:x"));
        QCOMPARE(o.value("alerts").toArray().size(), 1);
        const QJsonObject alert = o.value("alerts").toArray().first().toObject();
        QCOMPARE(alert.value("status").toString(), QStringLiteral("firing"));
        QCOMPARE(alert.value("endsAt").toString(), QStringLiteral("0001-01-01T00:00:00Z"));
        QCOMPARE(alert.value("startsAt").toString(), QStringLiteral("2025-11-26T10:39:55.123Z"));
        QCOMPARE(alert.value("fingerprint").toString(), o.value("fingerprint").toString());
        const QJsonObject labels = alert.value("labels").toObject();
        QCOMPARE(labels.value("alertname").toString(), QStringLiteral("streamscope-dead-consumer"));
        QCOMPARE(labels.value("severity").toString(), QStringLiteral("critical"));
        QCOMPARE(labels.value("stream").toString(), QStringLiteral("orders"));
        QCOMPARE(labels.value("consumer").toString(), QStringLiteral("c1"));
        QCOMPARE(o.value("commonLabels").toObject(), labels);
        QVERIFY(alert.value("annotations").toObject().contains("summary"));

        e.transition = AlertEvent::Transition::Cleared;
        e.previous = Severity::Critical;
        e.note = QStringLiteral("not found for 1 min");
        const QJsonObject c = QJsonDocument::fromJson(alertJson(e)).object();
        QCOMPARE(c.value("status").toString(), QStringLiteral("resolved"));
        QCOMPARE(c.value("severity").toString(), QStringLiteral("ok"));
        QCOMPARE(c.value("previous_severity").toString(), QStringLiteral("critical"));
        QCOMPARE(c.value("note").toString(), QStringLiteral("not found for 1 min"));
        const QJsonObject resolved = c.value("alerts").toArray().first().toObject();
        QCOMPARE(resolved.value("status").toString(), QStringLiteral("resolved"));
        QCOMPARE(resolved.value("endsAt").toString(), c.value("at").toString());
        // Alertmanager resolves the alert with the labels it fired with.
        QCOMPARE(resolved.value("labels").toObject().value("severity").toString(),
                 QStringLiteral("critical"));
    }

    void jsonAndKeyForBinaryNames() {
        Finding f = finding(QStringLiteral("dead-consumer"), Severity::Critical,
                            QByteArray("or\xff"
                                       "d/e:rs\x00",
                                       10),
                            "gr\xc3\xa9oupe", "c%1");
        AlertEvent e;
        e.finding = f;
        e.key = alertKey(f);
        QCOMPARE(e.key, QStringLiteral("dead-consumer:or%FFd%2Fe%3Ars%00/gr\u00e9oupe/c%251"));
        const QByteArray json = alertJson(e);
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(json, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.value("stream").toString(), valueformat::displayText(f.stream));
        QCOMPARE(o.value("group").toString(), QStringLiteral("gr\u00e9oupe"));
        // Keys of different names differ.
        QVERIFY(alertKey(finding("k", Severity::Ok, "a/b", "c"))
                != alertKey(finding("k", Severity::Ok, "a", "b/c")));
    }

    // ---- Delivery to a webhook -------------------------------------------------------------

    void deliveredExactlyOncePerTransition() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        AlertSender sender({receiver.url(), {}, 2000, 3, 50});
        Outcomes out(&sender);

        AlertTracker tracker({1000, 2000});
        const FindingList dead{finding(QStringLiteral("dead-consumer"), Severity::Critical)};
        const FindingList critical{finding(QStringLiteral("stalled-group"), Severity::Critical)};
        for (int poll = 0; poll < 16; ++poll) {
            FindingList now = poll < 6 ? dead : FindingList();
            if (poll >= 2 && poll < 9)
                now += critical;
            for (const AlertEvent &e : tracker.update(with(now), examinedG, poll * 500))
                sender.send(e);
        }
        // dead-consumer: raised at 1000, cleared at 5000; stalled-group raised at 2000, cleared
        // at 6500.
        QTRY_COMPARE(out.delivered.size(), 4);
        QTest::qWait(300); // nothing more comes
        QCOMPARE(receiver.requests.size(), 4);
        QCOMPARE(out.failed.size(), 0);
        QStringList got;
        for (const Receiver::Request &r : receiver.requests) {
            QCOMPARE(r.method, QByteArray("POST"));
            QCOMPARE(r.path, QByteArray("/hook"));
            QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
            got << r.json().value("kind").toString() + QLatin1Char(' ')
                       + r.json().value("transition").toString();
        }
        got.sort();
        QCOMPARE(got, (QStringList{"dead-consumer cleared", "dead-consumer raised",
                                   "stalled-group cleared", "stalled-group raised"}));
        QCOMPARE(out.delivered.first().at(1), QStringLiteral("webhook"));
        QCOMPARE(sender.counters(AlertSender::webhookTarget()).sent, 4);
        QCOMPARE(sender.counters(AlertSender::webhookTarget()).failed, 0);
        QVERIFY(sender.waitForIdle(1000));
        QCOMPARE(sender.queued(), 0);
    }

    void retriedAfterA500ThenDeliveredOnce() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        receiver.script = {500, 503};
        AlertSender sender({receiver.url(), {}, 2000, 3, 50});
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QTRY_COMPARE(out.delivered.size(), 1);
        QTest::qWait(300);
        QCOMPARE(out.delivered.size(), 1);
        QCOMPARE(out.failed.size(), 0);
        QCOMPARE(receiver.requests.size(), 3);
        // The same body each time.
        QCOMPARE(receiver.requests.at(0).body, receiver.requests.at(2).body);
        const AlertSender::Counters c = sender.counters(AlertSender::webhookTarget());
        QCOMPARE(c.sent, 1);
        QCOMPARE(c.retried, 2);
        QCOMPARE(c.failed, 0);
    }

    void notRetriedOnA4xx() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        receiver.script = {400};
        AlertSender sender({receiver.url(), {}, 2000, 3, 50});
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QTRY_COMPARE(out.failed.size(), 1);
        QTest::qWait(300);
        QCOMPARE(receiver.requests.size(), 1);
        QVERIFY2(out.failed.first().at(2).contains(QLatin1String("HTTP 400")),
                 qPrintable(out.failed.first().at(2)));
        QCOMPARE(sender.counters(AlertSender::webhookTarget()).failed, 1);
        QCOMPARE(sender.counters(AlertSender::webhookTarget()).retried, 0);
    }

    void givesUpAfterTheRetries() {
        // Nothing listens on the port: every attempt is refused.
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        AlertSender sender(
            {QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)), {}, 1000, 2, 20});
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QTRY_COMPARE(out.failed.size(), 1);
        QVERIFY2(out.failed.first().at(2).contains(QLatin1String("3 attempts")),
                 qPrintable(out.failed.first().at(2)));
        // Which receiver refused is said (Qt's own text is only "Connection refused").
        QVERIFY2(
            out.failed.first().at(2).startsWith(QStringLiteral("http://127.0.0.1:%1: ").arg(port)),
            qPrintable(out.failed.first().at(2)));
        QCOMPARE(sender.counters(AlertSender::webhookTarget()).retried, 2);
    }

    void aSilentReceiverTimesOutWithoutBlockingSend() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        receiver.silent = true;
        AlertSender sender({receiver.url(), {}, 400, 0, 50});
        Outcomes out(&sender);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 20; ++i)
            sender.send(alertEvent(AlertEvent::Transition::Raised, QStringLiteral("k%1").arg(i)));
        // Waiting for the receiver would take 20 x 0.4 s: the calls only queue (margin for a
        // loaded machine).
        QVERIFY2(clock.elapsed() < 1500, qPrintable(QString::number(clock.elapsed())));
        QTRY_COMPARE_WITH_TIMEOUT(out.failed.size(), 20, 15000);
        QVERIFY2(out.failed.first().at(2).contains(QLatin1String("no answer")),
                 qPrintable(out.failed.first().at(2)));
        // The URL's path may be a secret (Slack, Teams): not in the message.
        QVERIFY2(!out.failed.first().at(2).contains(QLatin1String("/hook")),
                 qPrintable(out.failed.first().at(2)));
        QCOMPARE(out.delivered.size(), 0);
        // 4 in parallel, 0.4 s each: about 2 s, not 20 × 0.4 s.
        QVERIFY2(clock.elapsed() < 6000, qPrintable(QString::number(clock.elapsed())));
    }

    void oneKeyInOrder() {
        // The raise is refused once: its retry still goes before the clear of the same key.
        Receiver receiver;
        QVERIFY(receiver.listen());
        receiver.script = {500};
        AlertSender sender({receiver.url(), {}, 2000, 3, 200});
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        sender.send(alertEvent(AlertEvent::Transition::Changed));
        sender.send(alertEvent(AlertEvent::Transition::Cleared));
        QTRY_COMPARE(out.delivered.size(), 3);
        QCOMPARE(receiver.transitions(), (QStringList{"raised", "raised", "changed", "cleared"}));
    }

    void aBurstIsBounded() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        receiver.silent = true;
        AlertSender::Options o;
        o.webhook = receiver.url();
        o.timeoutMs = 30000;
        o.maxQueued = 10;
        o.maxParallel = 1;
        auto sender = std::make_unique<AlertSender>(o);
        QSignalSpy dropped(sender.get(), &AlertSender::dropped);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 1000; ++i)
            sender->send(alertEvent(AlertEvent::Transition::Raised, QStringLiteral("k%1").arg(i)));
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(sender->queued() <= 11);
        const qint64 count = sender->counters(AlertSender::webhookTarget()).dropped;
        QVERIFY2(count >= 989 && count <= 990, qPrintable(QString::number(count)));
        QCOMPARE(dropped.size(), int(count));
        QCOMPARE(dropped.last().at(2).toLongLong(), count);
        // The newest are kept.
        QSet<QString> droppedKeys;
        for (const QList<QVariant> &args : std::as_const(dropped))
            droppedKeys.insert(args.at(0).toString());
        for (int i = 990; i < 1000; ++i)
            QVERIFY(!droppedKeys.contains(QStringLiteral("k%1").arg(i)));
        // Stopping abandons the queue and the request in flight at once.
        clock.restart();
        sender.reset();
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    }

    // ---- Commands --------------------------------------------------------------------------

    void aCommandGetsTheEventInItsEnvironment() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString envFile = dir.filePath(QStringLiteral("env.txt"));
        const QString json = dir.filePath(QStringLiteral("event.json"));
        AlertSender::Options o;
        o.command =
            QStringLiteral("env | grep '^STREAMSCOPE_ALERT_' | grep -v '^STREAMSCOPE_ALERT_JSON=' "
                           "| sort > '%1'; printf '%s' \"$STREAMSCOPE_ALERT_JSON\" > '%2'")
                .arg(envFile, json);
        AlertSender sender(o);
        Outcomes out(&sender);
        AlertEvent e = alertEvent(AlertEvent::Transition::Changed,
                                  QStringLiteral("dead-consumer:k"), "c\xc3\xa9");
        e.finding.message = QStringLiteral("it's \"quoted\" $HOME `x`");
        sender.send(e);
        QTRY_COMPARE(out.delivered.size() + out.failed.size(), 1);
        QCOMPARE(out.failed.size(), 0);
        QCOMPARE(out.delivered.first().at(1), QStringLiteral("command"));
        QHash<QString, QString> env;
        for (const QString &line :
             QString::fromUtf8(readFile(envFile)).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            env.insert(line.section(QLatin1Char('='), 0, 0).mid(18),
                       line.section(QLatin1Char('='), 1));
        QCOMPARE(env.value("TRANSITION"), QStringLiteral("changed"));
        QCOMPARE(env.value("SEVERITY"), QStringLiteral("critical"));
        QCOMPARE(env.value("PREVIOUS_SEVERITY"), QStringLiteral("critical"));
        QCOMPARE(env.value("KIND"), QStringLiteral("dead-consumer"));
        QCOMPARE(env.value("STREAM"), QStringLiteral("orders"));
        QCOMPARE(env.value("GROUP"), QStringLiteral("billing"));
        QCOMPARE(env.value("CONSUMER"), QStringLiteral("c\u00e9"));
        QCOMPARE(env.value("MESSAGE"), QStringLiteral("it's \"quoted\" $HOME `x`"));
        QCOMPARE(env.value("KEY"), QStringLiteral("dead-consumer:k"));
        QCOMPARE(env.value("COUNT"), QStringLiteral("3"));
        QCOMPARE(env.value("IDLE_MS"), QStringLiteral("61000"));
        QVERIFY(env.value("TEXT").startsWith(QLatin1String("CHANGED critical (was critical)")));
        QCOMPARE(readFile(json), alertJson(e));
        QCOMPARE(sender.counters(AlertSender::commandTarget()).sent, 1);
    }

    void aFailingCommandIsReported() {
        AlertSender::Options o;
        o.command = QStringLiteral("echo 'cannot reach pager' >&2; exit 3");
        AlertSender sender(o);
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QTRY_COMPARE(out.failed.size(), 1);
        const QString error = out.failed.first().at(2);
        QVERIFY2(error.contains(QLatin1String("exit code 3")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("cannot reach pager")), qPrintable(error));
        QCOMPARE(sender.counters(AlertSender::commandTarget()).failed, 1);
    }

    void aHungCommandIsKilledWithWhatItStarted() {
        QTemporaryDir dir;
        const QString pidFile = dir.filePath(QStringLiteral("pid"));
        AlertSender::Options o;
        o.command = QStringLiteral("sleep 60 & echo $! > '%1'; wait").arg(pidFile);
        o.commandTimeoutMs = 500;
        AlertSender sender(o);
        Outcomes out(&sender);
        QElapsedTimer clock;
        clock.start();
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QVERIFY(clock.elapsed() < 400);
        QTRY_COMPARE_WITH_TIMEOUT(out.failed.size(), 1, 5000);
        QVERIFY2(out.failed.first().at(2).contains(QLatin1String("killed after")),
                 qPrintable(out.failed.first().at(2)));
        const pid_t sleeper = readFile(pidFile).trimmed().toInt();
        QVERIFY(sleeper > 0);
        QTRY_VERIFY(!alive(sleeper)); // the shell's child died with it
    }

    void bothTargets() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        AlertSender::Options o;
        o.webhook = receiver.url();
        o.command = QStringLiteral("true");
        AlertSender sender(o);
        Outcomes out(&sender);
        sender.send(alertEvent(AlertEvent::Transition::Raised));
        QTRY_COMPARE(out.delivered.size(), 2);
        QCOMPARE(sender.targets(), (QStringList{"webhook", "command"}));
        QCOMPARE(receiver.requests.size(), 1);
    }

    // ---- Figures ---------------------------------------------------------------------------

    void trackerCostFor3000Groups() {
        // serve over 1,000 streams x 3 groups, every group with two findings, one in ten
        // changing from poll to poll.
        AlertTracker tracker({2000, 60000});
        QHash<QByteArray, FindingList> findings;
        QSet<QByteArray> examined;
        for (int s = 0; s < 1000; ++s)
            for (int g = 0; g < 3; ++g) {
                const QByteArray stream = "stream-" + QByteArray::number(s);
                const QByteArray group = "group-" + QByteArray::number(g);
                findings.insert(groupKey(stream, group),
                                {finding(QStringLiteral("dead-consumer"), Severity::Critical,
                                         stream, group, "c1"),
                                 finding(QStringLiteral("stuck-entry"), Severity::Warning, stream,
                                         group, "c1")});
                examined.insert(groupKey(stream, group));
            }
        QElapsedTimer clock;
        qint64 worst = 0;
        int events = 0;
        for (int poll = 0; poll < 10; ++poll) {
            QHash<QByteArray, FindingList> now = findings;
            int n = 0;
            for (auto it = now.begin(); it != now.end(); ++it)
                if (n++ % 10 == poll % 10)
                    it->clear();
            clock.start();
            events += int(tracker.update(now, examined, poll * 1000).size());
            worst = qMax(worst, clock.nsecsElapsed());
        }
        QCOMPARE(tracker.tracked(), 6000);
        QVERIFY(events > 5000);
        qInfo("tracker: 3,000 groups, 6,000 findings: worst update %.1f ms", worst / 1e6);
        QVERIFY2(worst < 1000 * 1000 * 1000, "an update must stay far below a poll interval");
    }

    void webhookThroughput() {
        Receiver receiver;
        QVERIFY(receiver.listen());
        AlertSender sender({receiver.url(), {}, 5000, 3, 50});
        Outcomes out(&sender);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 500; ++i)
            sender.send(alertEvent(AlertEvent::Transition::Raised, QStringLiteral("k%1").arg(i)));
        const qint64 sendMs = clock.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(out.delivered.size(), 500, 30000);
        qInfo("webhook: 500 alerts delivered in %lld ms (send() calls took %lld ms in all)",
              clock.elapsed(), sendMs);
        QCOMPARE(receiver.requests.size(), 500);
    }

    // ---- End to end: a real poller on a real server -----------------------------------------

    void aDeadConsumerIsRaisedThenClearedAfterXack() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        run(*admin, {"XGROUP", "CREATE", "orders", "billing", "$", "MKSTREAM"});
        addEntries(*admin, "orders", 0, 5);
        // A consumer reads them and dies without acknowledging.
        const RedisReply read = run(*admin, {"XREADGROUP", "GROUP", "billing", "c1", "COUNT", "10",
                                             "STREAMS", "orders", ">"});

        Receiver receiver;
        QVERIFY(receiver.listen());
        AlertSender sender({receiver.url(), {}, 2000, 3, 50});
        AlertTracker tracker({400, 800});

        ServerPoller::Options o;
        o.intervalMs = 100;
        o.lengthIntervalMs = 200;
        o.listIntervalMs = 400;
        o.quietIntervalMs = 300;
        o.health.idleThresholdMs = 700;
        PollerController poller(server.settings(), o);
        QList<AlertEvent> events;
        QObject context;
        connect(poller.poller(), &ServerPoller::groupSnapshot, &context,
                [&](const GroupSnapshot &snapshot) {
                    for (const AlertEvent &e : tracker.update(snapshot, {}, snapshot.atMs)) {
                        events << e;
                        sender.send(e);
                    }
                });
        poller.start();
        const auto raisedKinds = [&events] {
            QStringList kinds;
            for (const AlertEvent &e : events)
                if (e.transition == AlertEvent::Transition::Raised)
                    kinds << e.finding.kind;
            kinds.sort();
            return kinds;
        };
        QTRY_VERIFY_WITH_TIMEOUT(raisedKinds().contains(QLatin1String("dead-consumer")), 15000);
        QTest::qWait(1000); // stays raised: nothing more
        QVERIFY2(std::all_of(events.begin(), events.end(),
                             [](const AlertEvent &e) {
                                 return e.transition == AlertEvent::Transition::Raised;
                             }),
                 qPrintable(names(events).join(',')));
        const int raised = int(events.size());

        // The consumer's work is acknowledged: every raised finding clears, once.
        QList<QByteArray> ack{"XACK", "orders", "billing"};
        for (const RedisReply &entry : read.at(0).at(1).elements())
            ack << entry.at(0).bytes();
        QCOMPARE(run(*admin, ack).integer(), 5);
        QTRY_COMPARE_WITH_TIMEOUT(int(events.size()), 2 * raised, 15000);
        QTest::qWait(1000);
        QCOMPARE(int(events.size()), 2 * raised);
        QHash<QString, QStringList> byKey;
        for (const AlertEvent &e : events)
            byKey[e.key] << transitionName(e.transition);
        for (auto it = byKey.cbegin(); it != byKey.cend(); ++it)
            QCOMPARE(it.value(), (QStringList{"raised", "cleared"}));
        QVERIFY(byKey.contains(QStringLiteral("dead-consumer:orders/billing/c1")));
        qInfo("raised then cleared once each: %s",
              qPrintable(QStringList(byKey.keys()).join(", ")));
        // And the receiver got each transition exactly once.
        QTRY_COMPARE(int(receiver.requests.size()), 2 * raised);
        QVERIFY(sender.waitForIdle(2000));
        QCOMPARE(receiver.requests.size(), 2 * raised);
        poller.stop();
    }

    void anOutageHoldsAndADeletedStreamClears() {
        // The server is killed and restarted (its data kept): the alert stays raised, nothing
        // clears while nothing is examined. Then the stream is deleted: cleared, with a note.
        LocalRedisServer::Options serverOptions;
        serverOptions.persistence = true;
        LocalRedisServer server(serverOptions);
        STREAMSCOPE_START_REDIS(server);
        {
            auto admin = connectTo(server.settings());
            run(*admin, {"XGROUP", "CREATE", "orders", "billing", "$", "MKSTREAM"});
            addEntries(*admin, "orders", 0, 3);
            run(*admin, {"XREADGROUP", "GROUP", "billing", "c1", "STREAMS", "orders", ">"});
        }
        AlertTracker tracker({300, 600});
        ServerPoller::Options o;
        o.intervalMs = 100;
        o.lengthIntervalMs = 200;
        o.listIntervalMs = 400;
        o.quietIntervalMs = 300;
        o.health.idleThresholdMs = 500;
        PollerController poller(server.settings(), o);
        QList<AlertEvent> events;
        MissingNodeList missing;
        qint64 answeredAt = 0;
        QObject context;
        connect(poller.poller(), &ServerPoller::nodesMissing, &context,
                [&](const MissingNodeList &m) { missing = m; });
        connect(poller.poller(), &ServerPoller::answered, &context,
                [&](qint64 at) { answeredAt = at; });
        connect(poller.poller(), &ServerPoller::groupSnapshot, &context,
                [&](const GroupSnapshot &snapshot) {
                    events += tracker.update(snapshot, missing, snapshot.atMs);
                });
        poller.start();
        const QString key = QStringLiteral("dead-consumer:orders/billing/c1");
        const auto transitionsOf = [&] {
            QStringList out;
            for (const AlertEvent &e : events)
                if (e.key == key)
                    out << transitionName(e.transition);
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(transitionsOf(), QStringList{"raised"}, 15000);

        server.kill();
        QTest::qWait(2000);
        QCOMPARE(transitionsOf(), QStringList{"raised"});
        STREAMSCOPE_START_REDIS(server);
        const qint64 restartedAt = QDateTime::currentMSecsSinceEpoch();
        QTRY_VERIFY_WITH_TIMEOUT(answeredAt > restartedAt + 1500, 20000);
        QCOMPARE(transitionsOf(), QStringList{"raised"});

        {
            auto admin = connectTo(server.settings());
            QCOMPARE(run(*admin, {"DEL", "orders"}).integer(), 1);
        }
        QTRY_COMPARE_WITH_TIMEOUT(transitionsOf(), (QStringList{"raised", "cleared"}), 15000);
        const AlertEvent &cleared = events.last();
        QVERIFY2(cleared.note.contains(QLatin1String("gone")), qPrintable(cleared.note));
        qInfo("deleted stream: %s", qPrintable(alertText(cleared)));
        poller.stop();
    }

    void aDownClusterNodeHoldsItsAlerts() {
        // Two streams with a dead consumer each, on two primaries of a real cluster. The node of
        // one dies: its streams are missing from the snapshots (nodesMissing names its slots),
        // so its alert is held, while the other stream's alert clears after XACK.
        LocalRedisCluster::Options clusterOptions;
        clusterOptions.replicasPerPrimary = 0;
        clusterOptions.nodeTimeoutMs = 60000; // the dead node is not failed over in the test
        LocalRedisCluster cluster(clusterOptions);
        const Error started = cluster.start();
        QVERIFY2(!started,
                 qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
        auto client = openCluster(cluster.settings(0));
        const QString seed = cluster.settings(0).endpoint();
        QString victim;
        for (const QString &p : client->primaries())
            if (p != seed)
                victim = p;
        int victimIndex = -1;
        for (int i = 0; i < cluster.size(); ++i)
            if (victim.endsWith(QStringLiteral(":%1").arg(cluster.node(i).port())))
                victimIndex = i;
        QVERIFY(victimIndex >= 0);
        const QByteArray kept = keyOn(*client, seed, "kept");
        const QByteArray lost = keyOn(*client, victim, "lost");
        QVERIFY(!kept.isEmpty() && !lost.isEmpty());
        QList<QByteArray> keptIds;
        for (const QByteArray &stream : {kept, lost}) {
            QVERIFY(client->command({"XGROUP", "CREATE", stream, "billing", "$", "MKSTREAM"}).ok());
            for (int i = 0; i < 3; ++i) {
                auto id = client->command({"XADD", stream, "*", "n", QByteArray::number(i)});
                QVERIFY2(id.ok(), qPrintable(id.error().message));
                if (stream == kept)
                    keptIds << id.value().bytes();
            }
            QVERIFY(
                client->command({"XREADGROUP", "GROUP", "billing", "c1", "STREAMS", stream, ">"})
                    .ok());
        }

        AlertTracker tracker({300, 600});
        ServerPoller::Options o;
        o.intervalMs = 100;
        o.lengthIntervalMs = 200;
        o.listIntervalMs = 400;
        o.quietIntervalMs = 300;
        o.health.idleThresholdMs = 500;
        PollerController poller(cluster.settings(0), o);
        QList<AlertEvent> events;
        MissingNodeList missing;
        QObject context;
        connect(poller.poller(), &ServerPoller::nodesMissing, &context,
                [&](const MissingNodeList &m) { missing = m; });
        connect(poller.poller(), &ServerPoller::groupSnapshot, &context,
                [&](const GroupSnapshot &snapshot) {
                    events += tracker.update(snapshot, missing, snapshot.atMs);
                });
        poller.start();
        const auto transitionsOf = [&](const QByteArray &stream) {
            QStringList out;
            for (const AlertEvent &e : events)
                if (e.key
                    == alertKey(finding(QStringLiteral("dead-consumer"), Severity::Critical, stream,
                                        "billing", "c1")))
                    out << transitionName(e.transition);
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(transitionsOf(kept), QStringList{"raised"}, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(transitionsOf(lost), QStringList{"raised"}, 20000);

        cluster.node(victimIndex).kill();
        QTRY_VERIFY_WITH_TIMEOUT(!missing.isEmpty(), 15000);
        QCOMPARE(missing.first().endpoint, victim);
        QList<QByteArray> ack{"XACK", kept, "billing"};
        ack += keptIds;
        auto acked = client->command(ack);
        QVERIFY2(acked.ok(), qPrintable(acked.error().message));
        QTRY_COMPARE_WITH_TIMEOUT(transitionsOf(kept), (QStringList{"raised", "cleared"}), 15000);
        QTest::qWait(1500);
        QCOMPARE(transitionsOf(lost), QStringList{"raised"});
        QVERIFY(!missing.isEmpty());
        poller.stop();
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"
