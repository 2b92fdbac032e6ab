#pragma once

// Alerts on transitions of the health findings, for `streamscope-cli serve`: a finding appears,
// changes severity, or clears; with hysteresis, so that a flapping group does not alert every
// poll. Delivery (a webhook POST, a command) never blocks the poll.

#include "Health.h"

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
};
QString transitionName(AlertEvent::Transition transition); // "raised", "changed", "cleared"
// The JSON body of a webhook POST (and STREAMSCOPE_ALERT_JSON for a command).
QByteArray alertJson(const AlertEvent &event);

// Decides the transitions from each poll's findings.
class AlertTracker {
public:
    struct Options {
        qint64 raiseAfterMs = 0; // a finding must last this long before it is raised
        qint64 clearAfterMs = 0; // and be gone this long before it clears
    };
    AlertTracker();
    explicit AlertTracker(Options options);
    // findings: every group's findings of this poll, by groupKey(stream, group); examined: the
    // groups that were examined (a group not examined, e.g. its node is down, neither raises nor
    // clears). Not-evaluated findings are never alerts.
    QList<AlertEvent> update(const QHash<QByteArray, FindingList> &findings,
                             const QSet<QByteArray> &examined, qint64 nowMs);

private:
    struct State;
    Options m_options;
    std::shared_ptr<State> m_state;
};

// Delivers events on its own thread: a JSON POST to a webhook (timeout, retries with backoff)
// and/or a command run with the event in its environment. send() returns at once.
class AlertSender : public QObject {
    Q_OBJECT
public:
    struct Options {
        QUrl webhook;    // empty: none
        QString command; // run with /bin/sh -c; empty: none
        int timeoutMs = 5000;
        int retries = 3;
    };
    explicit AlertSender(Options options, QObject *parent = nullptr);
    ~AlertSender() override;
    void send(const AlertEvent &event); // thread-safe, never blocks

Q_SIGNALS:
    // One per event and target, from the sender's thread.
    void delivered(const QString &key, const QString &target);
    void failed(const QString &key, const QString &target, const QString &error);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace streamscope
