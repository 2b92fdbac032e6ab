#include "Metrics.h"

#include "ValueFormat.h"

#include <QHash>

#include <algorithm>
#include <map>

namespace streamscope {

namespace {

// One metric family: its HELP and TYPE lines, then its samples (contiguous, as the format
// requires). Families are written in the order they are declared, samples or not, so that a
// reader always finds every name with its meaning.
class Family {
public:
    Family(const char *name, const char *type, const char *help)
        : m_name(name)
        , m_type(type)
        , m_help(help) {}
    void sample(const QByteArray &labels, qint64 value) {
        line(labels);
        m_samples += QByteArray::number(value);
        m_samples += '\n';
    }
    void sample(const QByteArray &labels, double value) {
        line(labels);
        m_samples += QByteArray::number(value, 'f', 3);
        m_samples += '\n';
    }
    void appendTo(QByteArray &out) const {
        out += "# HELP ";
        out += m_name;
        out += ' ';
        out += m_help;
        out += "\n# TYPE ";
        out += m_name;
        out += ' ';
        out += m_type;
        out += '\n';
        out += m_samples;
    }

private:
    void line(const QByteArray &labels) {
        m_samples += m_name;
        if (!labels.isEmpty()) {
            m_samples += '{';
            m_samples += labels;
            m_samples += '}';
        }
        m_samples += ' ';
    }
    QByteArray m_name;
    const char *m_type;
    const char *m_help;
    QByteArray m_samples;
};

double seconds(qint64 ms) {
    return double(ms) / 1000.0;
}

// The labels of a stream, of a group, of a consumer (values already escaped).
QByteArray streamLabels(const QByteArray &stream) {
    return "stream=\"" + stream + '"';
}
QByteArray groupLabels(const QByteArray &stream, const QByteArray &group) {
    return streamLabels(stream) + ",group=\"" + group + '"';
}

int notEvaluatedRules(const FindingList &findings) {
    int n = 0;
    for (const Finding &f : findings)
        if (f.kind == QLatin1String("not-evaluated"))
            n += int(qMax<qsizetype>(1, f.rules.size()));
    return n;
}

} // namespace

QByteArray prometheusLabelValue(const QByteArray &name) {
    // displayText leaves a plain UTF-8 name as it is and escapes the others (\xNN, \\): a
    // name with a literal backslash ("a\xff" typed) would read as the escape of another
    // ("a" and the byte 0xff) and the two streams would make one duplicated series. Plain names
    // with a backslash get it doubled, as in the escaped form: every name has its own label.
    const bool plain = valueformat::isUtf8(name) && !valueformat::hasControlBytes(name);
    const QByteArray text = plain && name.contains('\\') ? QByteArray(name).replace("\\", "\\\\")
                                                         : valueformat::displayText(name).toUtf8();
    QByteArray out;
    out.reserve(text.size() + 8);
    for (const char c : text) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

DoctorReport doctorReportFrom(const MonitorState &state) {
    DoctorReport report;
    if (state.serverInfoKnown) {
        report.version = state.server.version;
        report.mode = state.server.mode;
        report.versionUnknown = state.server.unknownReason;
    }
    report.truncated = state.truncated;
    report.missing = state.missing;
    QHash<QByteArray, const StreamStatus *> statusOf;
    for (const StreamStatus &s : state.groups.streams)
        statusOf.insert(s.info.name, &s);
    for (const StreamInfo &info : state.streams) {
        DoctorReport::Stream stream;
        stream.info = info;
        if (const StreamStatus *s = statusOf.value(info.name); s && info.noAccess.isEmpty())
            for (const GroupStatus &g : s->groups)
                stream.groups.append({g, state.groups.findings.value(groupKey(info.name, g.name))});
        report.streams.append(std::move(stream));
    }
    std::sort(report.streams.begin(), report.streams.end(),
              [](const DoctorReport::Stream &a, const DoctorReport::Stream &b) {
                  return a.info.name < b.info.name;
              });
    return report;
}

QByteArray prometheusText(const MonitorState &state, qint64 nowMs) {
    // StreamScope itself.
    Family up("streamscope_up", "gauge",
              "1 when the last poll of the Redis server answered, 0 when it did not (then no "
              "per-stream, per-group or per-consumer series is served).");
    Family duration("streamscope_poll_duration_seconds", "gauge",
                    "How long the last answered poll took.");
    Family commands("streamscope_commands_sent_total", "counter",
                    "Commands this process sent to Redis (every node), since it started.");
    Family errors("streamscope_poll_errors_total", "counter",
                  "Polls (or parts of a poll, such as one cluster node) that failed, since "
                  "start.");
    Family lastPoll("streamscope_last_poll_timestamp_seconds", "gauge",
                    "When the last answered poll started (Unix time); absent before the first.");
    Family watched("streamscope_streams_watched", "gauge",
                   "Streams matching the pattern that are watched (at most the stream limit; "
                   "streams on missing nodes are not counted).");
    Family partial("streamscope_partial", "gauge",
                   "1 when the picture is partial: a cluster node missing, more streams than the "
                   "limit, streams the ACL user may not read, or rules not evaluated.");
    Family nodesMissing("streamscope_nodes_missing", "gauge",
                        "Cluster nodes that did not answer the last listing (their streams and "
                        "groups are not served).");
    Family truncated("streamscope_streams_truncated", "gauge",
                     "1 when more streams match the pattern than the limit "
                     "(streamscope_streams_limit): only that many are watched.");
    Family limit("streamscope_streams_limit", "gauge",
                 "The most streams watched (serve --max-streams).");
    Family noAccess("streamscope_streams_no_access", "gauge",
                    "Streams listed that the ACL user may not read (their figures are unknown "
                    "and not served).");
    Family serverInfo("streamscope_server_info", "gauge",
                      "The Redis server's version and mode (standalone, cluster, sentinel), as "
                      "labels; empty when INFO is refused.");
    Family alerts("streamscope_alerts_total", "counter",
                  "Alert transitions decided, by transition (raised, changed, cleared).");
    Family active("streamscope_alerts_active", "gauge",
                  "Findings raised as alerts and not cleared yet.");
    Family deliveries("streamscope_alert_deliveries_total", "counter",
                      "Alert deliveries that succeeded, by target (webhook, command).");
    Family failures("streamscope_alert_delivery_failures_total", "counter",
                    "Alert deliveries given up on after every retry, by target.");
    Family dropped("streamscope_alert_deliveries_dropped_total", "counter",
                   "Alerts dropped from a full delivery queue (never tried), by target.");
    // Streams.
    Family length("streamscope_stream_length", "gauge", "Entries in the stream (XLEN).");
    Family added("streamscope_stream_entries_added_total", "counter",
                 "Entries ever added to the stream (XINFO STREAM entries-added, Redis 7.0+).");
    Family lastAge("streamscope_stream_last_entry_age_seconds", "gauge",
                   "Age of the stream's last entry, from its ID (absent for an empty stream or "
                   "while the stream's details are being read again).");
    Family groupsOf("streamscope_stream_groups", "gauge",
                    "Consumer groups of the stream (XINFO STREAM groups).");
    Family sampleAge("streamscope_stream_sample_age_seconds", "gauge",
                     "Age of the stream's group figures: quiet streams are polled less often.");
    // Groups.
    Family lag("streamscope_group_lag_entries", "gauge",
               "Entries not yet delivered to the group (XINFO GROUPS lag, or StreamScope's "
               "estimate); absent when unknown (see streamscope_group_lag_known).");
    Family lagKnown("streamscope_group_lag_known", "gauge",
                    "1 when the group's lag is known, 0 when it is not (then no lag sample).");
    Family lagEstimated("streamscope_group_lag_estimated", "gauge",
                        "1 when the lag is StreamScope's estimate rather than the server's.");
    Family timeLag("streamscope_group_time_lag_seconds", "gauge",
                   "Age of the oldest entry not yet delivered to the group (0 when none); absent "
                   "when it could not be read.");
    Family pending("streamscope_group_pending_entries", "gauge",
                   "Entries delivered to the group and not acknowledged (XINFO GROUPS pending).");
    Family oldestPending("streamscope_group_oldest_pending_age_seconds", "gauge",
                         "Age of the group's oldest pending entry, from its ID (0 when none; "
                         "absent when XPENDING is refused).");
    Family consumers("streamscope_group_consumers", "gauge", "Consumers of the group.");
    Family entriesRead("streamscope_group_entries_read_total", "counter",
                       "Entries delivered to the group (XINFO GROUPS entries-read, Redis 7.0+; "
                       "absent when the server does not know it).");
    Family status("streamscope_group_status", "gauge",
                  "The group's worst finding: 0 ok, 1 warning, 2 critical.");
    Family notEvaluated("streamscope_group_rules_not_evaluated", "gauge",
                        "Health rules that could not be evaluated for the group (the ACL user "
                        "may not run XPENDING or XRANGE).");
    Family findings("streamscope_findings", "gauge",
                    "Findings the group has now, by kind and severity.");
    // Consumers.
    Family cPending("streamscope_consumer_pending_entries", "gauge",
                    "Entries delivered to the consumer and not acknowledged.");
    Family cIdle("streamscope_consumer_idle_seconds", "gauge",
                 "Seconds since the consumer last read or claimed (XINFO CONSUMERS idle).");
    Family cInactive("streamscope_consumer_inactive_seconds", "gauge",
                     "Seconds since the consumer's last successful read or claim (Redis 7.2+ "
                     "inactive; absent on older servers or when it never succeeded).");

    const bool current = state.up && state.lastAnsweredMs > 0;
    up.sample({}, qint64(current ? 1 : 0));
    if (state.pollDurationSeconds >= 0)
        duration.sample({}, state.pollDurationSeconds);
    commands.sample({}, state.commandsSent);
    errors.sample({}, state.pollErrors);
    if (state.lastAnsweredMs > 0)
        lastPoll.sample({}, seconds(state.lastAnsweredMs));
    limit.sample({}, qint64(state.streamLimit));
    alerts.sample("transition=\"raised\"", state.alertsRaised);
    alerts.sample("transition=\"changed\"", state.alertsChanged);
    alerts.sample("transition=\"cleared\"", state.alertsCleared);
    active.sample({}, qint64(state.alertsActive));
    for (const MonitorState::AlertTarget &t : state.alertTargets) {
        const QByteArray labels = "target=\"" + prometheusLabelValue(t.name.toUtf8()) + '"';
        deliveries.sample(labels, t.sent);
        failures.sample(labels, t.failed);
        dropped.sample(labels, t.dropped);
    }
    if (state.serverInfoKnown)
        serverInfo.sample("version=\"" + prometheusLabelValue(state.server.version.toUtf8())
                              + "\",mode=\"" + prometheusLabelValue(state.server.mode.toUtf8())
                              + '"',
                          qint64(1));

    if (current) {
        int forbidden = 0;
        bool rulesMissing = false;
        for (const StreamInfo &s : state.streams) {
            if (!s.noAccess.isEmpty()) {
                ++forbidden;
                continue;
            }
            const QByteArray labels = streamLabels(prometheusLabelValue(s.name));
            length.sample(labels, s.length);
            if (s.entriesAdded)
                added.sample(labels, *s.entriesAdded);
            if (s.detailsCurrent && s.lastEntryId)
                lastAge.sample(labels, seconds(qMax<qint64>(0, nowMs - qint64(s.lastEntryId->ms))));
        }
        for (const StreamStatus &s : state.groups.streams) {
            const QByteArray stream = prometheusLabelValue(s.info.name);
            groupsOf.sample(streamLabels(stream), qint64(s.groups.size()));
            if (s.sampledAtMs > 0)
                sampleAge.sample(streamLabels(stream),
                                 seconds(qMax<qint64>(0, nowMs - s.sampledAtMs)));
            for (const GroupStatus &g : s.groups) {
                const QByteArray labels = groupLabels(stream, prometheusLabelValue(g.name));
                lagKnown.sample(labels, qint64(g.lag ? 1 : 0));
                if (g.lag) {
                    lag.sample(labels, *g.lag);
                    lagEstimated.sample(labels, qint64(g.lagEstimated ? 1 : 0));
                }
                if (g.timeLagUnknown.isEmpty())
                    timeLag.sample(labels, seconds(g.timeLagMs));
                pending.sample(labels, g.pending);
                if (const auto age = g.oldestPendingAgeMs(nowMs))
                    oldestPending.sample(labels, seconds(*age));
                else if (g.pendingUnknown.isEmpty() && g.pending == 0)
                    oldestPending.sample(labels, 0.0);
                consumers.sample(labels, g.consumers);
                if (g.entriesRead)
                    entriesRead.sample(labels, *g.entriesRead);
                const FindingList found =
                    state.groups.findings.value(groupKey(s.info.name, g.name));
                status.sample(labels, qint64(worstOf(found)));
                const int unevaluated = notEvaluatedRules(found);
                notEvaluated.sample(labels, qint64(unevaluated));
                rulesMissing = rulesMissing || unevaluated > 0;
                // Kind and severity, counted (sorted: the same order every scrape).
                std::map<std::pair<QString, int>, qint64> counts;
                for (const Finding &f : found)
                    if (f.kind != QLatin1String("not-evaluated"))
                        ++counts[{f.kind, int(f.severity)}];
                for (const auto &[key, n] : counts)
                    findings.sample(labels + ",kind=\"" + prometheusLabelValue(key.first.toUtf8())
                                        + "\",severity=\""
                                        + severityName(Severity(key.second)).toUtf8() + '"',
                                    n);
                for (const ConsumerStatus &c : g.consumerList) {
                    const QByteArray cl =
                        labels + ",consumer=\"" + prometheusLabelValue(c.name) + '"';
                    cPending.sample(cl, c.pending);
                    cIdle.sample(cl, seconds(c.idleMs));
                    if (c.inactiveMs && *c.inactiveMs >= 0)
                        cInactive.sample(cl, seconds(*c.inactiveMs));
                }
            }
        }
        watched.sample({}, qint64(state.streams.size() - forbidden));
        noAccess.sample({}, qint64(forbidden));
        nodesMissing.sample({}, qint64(state.missing.size()));
        truncated.sample({}, qint64(state.truncated ? 1 : 0));
        partial.sample(
            {}, qint64(!state.missing.isEmpty() || state.truncated || forbidden > 0 || rulesMissing
                           ? 1
                           : 0));
    }

    QByteArray out;
    out.reserve(1 << 16);
    for (const Family *f :
         {&up,           &duration,     &commands,      &errors,    &lastPoll,    &watched,
          &partial,      &nodesMissing, &truncated,     &limit,     &noAccess,    &serverInfo,
          &alerts,       &active,       &deliveries,    &failures,  &length,      &added,
          &lastAge,      &groupsOf,     &sampleAge,     &lag,       &lagKnown,    &lagEstimated,
          &timeLag,      &pending,      &oldestPending, &consumers, &entriesRead, &status,
          &notEvaluated, &findings,     &cPending,      &cIdle,     &cInactive})
        f->appendTo(out);
    return out;
}

} // namespace streamscope
