#pragma once

// The Prometheus text exposition (format 0.0.4) of what `streamscope-cli serve` knows: built
// from the latest poll state, by value, so that a scrape never talks to Redis.

#include "Doctor.h"
#include "GroupPoller.h"
#include "ServerPoller.h"

#include <QByteArray>

namespace streamscope {

// What the last polls said, as MonitorService keeps it.
struct MonitorState {
    // The last poll answered (and the server has not been lost since).
    bool up = false;
    QString downReason;              // !up: why ("the server does not answer: ...", "no poll yet")
    qint64 lastAnsweredMs = 0;       // ms since the epoch; 0: never
    double pollDurationSeconds = -1; // the last answered poll; < 0: none yet
    qint64 commandsSent = 0;         // by this process, since it started
    qint64 pollErrors = 0;           // pollFailed signals, since it started
    bool serverInfoKnown = false;
    ServerInfo server;
    bool listed = false; // streamsListed came at least once
    StreamInfoList streams;
    bool truncated = false; // more streams match than streamLimit
    int streamLimit = 0;
    bool haveGroups = false; // a group snapshot came at least once
    GroupSnapshot groups;
    MissingNodeList missing;
    qint64 alertsRaised = 0; // transitions, by kind of transition
    qint64 alertsChanged = 0;
    qint64 alertsCleared = 0;
    int alertsActive = 0; // raised and not cleared
    struct AlertTarget {
        QString name; // "webhook", "command"
        qint64 sent = 0;
        qint64 failed = 0;
        qint64 dropped = 0;
    };
    QList<AlertTarget> alertTargets; // the configured ones
};

// The report `doctor --json` would print for this state (no round trip): every listed stream
// sorted by name with its groups and their latest findings, the missing nodes, truncation.
DoctorReport doctorReportFrom(const MonitorState &state);

// A Prometheus label value for a key name: the name as doctor --json shows it
// (valueformat::displayText: UTF-8 as is, other bytes as \xNN), except that a UTF-8 name
// with a backslash has it doubled (as the escaped form does), so that no two names share a
// label; then escaped for the text format (backslash, double quote, newline).
QByteArray prometheusLabelValue(const QByteArray &name);

// The whole /metrics body. When !state.up no per-stream, per-group or per-consumer series is
// served: they would not be current (streamscope_up 0 and
// streamscope_last_poll_timestamp_seconds say since when).
QByteArray prometheusText(const MonitorState &state, qint64 nowMs);

} // namespace streamscope
