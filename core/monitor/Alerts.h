#pragma once

// Alerts on transitions of the health findings, for `streamscope-cli serve`: a finding appears,
// changes severity, or clears; with hysteresis, so that a flapping group does not alert every
// poll. Delivery (a webhook POST, a command) never blocks the poll.

#include "GroupPoller.h"
#include "Health.h"
#include "StreamInfo.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QUrl>

#include <memory>

namespace streamscope {

struct AlertEvent {
    enum class Transition { Raised, Changed, Cleared };
    Transition transition = Transition::Raised;
    // What is found now (Raised, Changed), or what was found last (Cleared).
    Finding finding;
    Severity previous = Severity::Ok; // Changed: the severity before; Cleared: the last one
    qint64 atMs = 0;
    QString key; // the finding's identity: kind, stream, group, consumer
    // When the finding was first seen (the start of the problem, as Alertmanager's startsAt).
    qint64 sinceMs = 0;
    // Cleared: why ("not found for 60 s", "the group is gone: stream deleted or group
    // destroyed"); empty otherwise.
    QString note;
};
QString transitionName(AlertEvent::Transition transition); // "raised", "changed", "cleared"
// The identity of a finding as text: "kind:stream/group/consumer", names as UTF-8 with '%', '/',
// ':', control bytes and bytes that are not UTF-8 percent-encoded so that the key is
// unambiguous; stable across polls: the entry ID, count and idle time are not part of it, nor the
// consumer of a stuck-entry (one per group: the consumer of its oldest entry, which changes).
QString alertKey(const Finding &finding);
// The JSON body of a webhook POST (and STREAMSCOPE_ALERT_JSON for a command). One compact
// object, UTF-8; the shape is in the README ("Alerts").
QByteArray alertJson(const AlertEvent &event);
// One line for people (logs, Slack's "text"): "RAISED critical dead-consumer orders/pay/c1: ...".
QString alertText(const AlertEvent &event);

// Decides the transitions from each poll's findings.
//
// A finding (by its key) is raised once it has been seen over raiseAfterMs (from the first poll
// that saw it to the current one); it changes severity once the new severity has lasted
// raiseAfterMs too; it clears once its group was examined and the finding was not there for
// clearAfterMs. An absence shorter than clearAfterMs does not restart the raise clock, so a
// finding that comes and goes every poll is raised once and never cleared until it stays gone.
// A group that was not examined (its node is down, the poll failed) neither raises nor clears;
// a group that is gone (stream deleted, group destroyed) clears at once, with a note.
class AlertTracker {
public:
    struct Options {
        qint64 raiseAfterMs = 0; // a finding must last this long before it is raised
        qint64 clearAfterMs = 0; // and be gone this long before it clears
    };
    // serve's defaults for a poll interval: raised after 2 intervals, cleared after 60 s (at
    // least 3 intervals).
    static Options defaultsFor(int intervalMs);

    AlertTracker();
    explicit AlertTracker(Options options);
    // findings: every group's findings of this poll, by groupKey(stream, group); examined: the
    // groups that were examined (a group not examined, e.g. its node is down, neither raises nor
    // clears; a group with findings counts as examined). Not-evaluated findings are never
    // alerts. gone: groups known to no longer exist: their raised findings clear now.
    QList<AlertEvent> update(const QHash<QByteArray, FindingList> &findings,
                             const QSet<QByteArray> &examined, qint64 nowMs);
    QList<AlertEvent> update(const QHash<QByteArray, FindingList> &findings,
                             const QSet<QByteArray> &examined, const QSet<QByteArray> &gone,
                             qint64 nowMs);
    // From a ServerPoller/GroupPoller snapshot: its groups are examined; a group the tracker
    // knows that is not in it is gone when its stream is in the snapshot (group destroyed) or
    // its stream's node answered (stream deleted), and not examined when the stream lives on a
    // node in missing (the last nodesMissing) or the watched streams were cut at maxStreams.
    QList<AlertEvent> update(const GroupSnapshot &snapshot, const MissingNodeList &missing,
                             qint64 nowMs);

    // The findings raised and not cleared (for /metrics or a status page), by key.
    QList<AlertEvent> active() const;
    // Findings being watched (raised or waiting for raiseAfterMs or clearAfterMs).
    int tracked() const;

private:
    struct State;
    Options m_options;
    std::shared_ptr<State> m_state;
};

// Delivers events on its own thread: a JSON POST to a webhook (timeout, retries with backoff)
// and/or a command run with the event in its environment. send() returns at once.
//
// Per target, events of one key are delivered in the order sent (one at a time); different keys
// go in parallel (up to maxParallel). The queue is bounded: past maxQueued events waiting per
// target, the oldest waiting one is dropped (counted, warned about, dropped() emitted).
// Webhook: Content-Type application/json; retried with exponential backoff on a connection
// error, a timeout, HTTP 5xx or 429, never on another 4xx; a timeout may mean the receiver got
// it, so delivery is at least once (the key and "at" tell duplicates apart).
// Command: /bin/sh -c CMD in its own process group, the event in STREAMSCOPE_ALERT_* variables,
// killed (the whole group) after commandTimeoutMs; not retried (it may have done something).
class AlertSender : public QObject {
    Q_OBJECT
public:
    struct Options {
        QUrl webhook;    // empty: none
        QString command; // run with /bin/sh -c; empty: none
        int timeoutMs = 5000;
        int retries = 3;
        int retryDelayMs = 500;       // the first retry's delay, doubled each time, up to 30 s
        int commandTimeoutMs = 10000; // a command still running then is killed
        int maxQueued = 1000;         // events waiting per target
        int maxParallel = 4;          // deliveries in flight per target (different keys)
    };
    // The targets, as the delivered()/failed() signals and the counters name them.
    static QString webhookTarget(); // "webhook"
    static QString commandTarget(); // "command"

    struct Counters {
        qint64 sent = 0;    // delivered (2xx; a command that exited 0)
        qint64 failed = 0;  // given up on (after the retries)
        qint64 dropped = 0; // dropped from a full queue, never tried
        qint64 retried = 0; // attempts after the first
    };

    explicit AlertSender(Options options, QObject *parent = nullptr);
    ~AlertSender() override; // abandons what is still queued or in flight: see waitForIdle()
    void send(const AlertEvent &event); // thread-safe, never blocks

    // Thread-safe; target: webhookTarget() or commandTarget().
    Counters counters(const QString &target) const;
    QStringList targets() const; // the configured ones
    int queued() const;          // waiting or in flight, all targets
    // Blocks the caller (not the sender) until nothing is queued or in flight, or timeoutMs
    // passed; true when idle. For a clean stop (serve on SIGTERM) and tests.
    bool waitForIdle(int timeoutMs);

Q_SIGNALS:
    // One per event and target, from the sender's thread.
    void delivered(const QString &key, const QString &target);
    void failed(const QString &key, const QString &target, const QString &error);
    // An event dropped because the queue was full (droppedTotal: the target's count so far).
    void dropped(const QString &key, const QString &target, qint64 droppedTotal);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace streamscope
