#include "ServiceMap.h"

#include "Wording.h"

#include <QDateTime>
#include <QSet>

#include <algorithm>
#include <tuple>
#include <vector>

namespace streamscope {

namespace {

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

QString streamKey(const QByteArray &stream) {
    return QStringLiteral("stream:") + QString::fromUtf8(stream);
}
QString groupNodeKey(const QByteArray &stream, const QByteArray &group) {
    return QStringLiteral("group:") + QString::fromUtf8(stream) + QChar(0x1f)
           + QString::fromUtf8(group);
}
QString producerKey(const QByteArray &service) {
    return QStringLiteral("producer:") + QString::fromUtf8(service);
}

// One look at a stream: what tells whether, and by how much, it grew.
struct StreamSample {
    qint64 atMs = 0;
    qint64 length = 0;
    std::optional<qint64> added; // entries-added (7.0+), when current
    StreamId lastId;
    bool current = false; // added and lastId are as of atMs
};

// Entries added between two looks; nullopt when the figures cannot tell (never 0 in its place).
// entries-added is exact; without it an unchanged last ID says none, and a longer stream at
// least the difference (a trim in between hides some: then the rate is a lower bound).
std::optional<qint64> addedBetween(const StreamSample &a, const StreamSample &b) {
    if (a.current && b.current && a.added && b.added) {
        if (*b.added < *a.added)
            return std::nullopt; // the stream was made again
        return *b.added - *a.added;
    }
    if (a.current && b.current && a.lastId == b.lastId && a.length == b.length)
        return 0;
    if (b.length > a.length)
        return b.length - a.length;
    return std::nullopt;
}

enum class Growth { Grew, Still, Unknown };

} // namespace

struct ServiceMapBuilder::State {
    struct StreamRec {
        QList<StreamSample> history; // oldest first, bounded
        std::optional<double> rate;
        qint64 length = 0;
        bool fromStreams = false; // last fed by addStreams (else by a snapshot)
    };
    struct GroupRec {
        GroupStatus status;
        qint64 atMs = 0;
        std::optional<double> deliveries;
        std::optional<double> acks;
        FindingList findings;
    };
    // A write seen in a sample: it happened in (fromMs, toMs]; resolved once the streams were
    // looked at before fromMs and after toMs.
    struct Observation {
        qint64 fromMs = 0;
        qint64 toMs = 0;
    };
    struct ClientRec {
        QByteArray name;
        QByteArray addr;
        ClientRole role;
        qint64 lastSeenMs = 0;
        qint64 lastWriteMs = 0; // its last write that may add, estimated from idle
        QByteArray writeCommand;
        std::optional<QSet<QByteArray>> candidates; // streams that grew every time it wrote
        QHash<QByteArray, int> support;             // writes during which each grew
        int observations = 0;                       // writes resolved into evidence
        int resets = 0;                             // evidence that contradicted itself
        QList<Observation> pending;
    };
    struct Place {
        int rank = 0;
        int order = 0;
    };

    QList<QByteArray> listed; // addStreams' streams, in their order
    bool streamsFed = false;
    QHash<QByteArray, StreamRec> streams;
    int unreadable = 0;

    QList<QByteArray> snapshotStreams; // streams with groups, in the snapshot's order
    QHash<QByteArray, QList<QByteArray>> groupsOf;
    QHash<QByteArray, GroupRec> groups; // by groupKey
    int streamLimit = 0;

    QHash<qint64, ClientRec> clients; // by CLIENT ID
    qint64 lastClientsAtMs = 0;
    bool clientsTruncated = false;
    int clientsRead = 0;
    QString clientsUnknown;
    QString clientsPartial;
    QString notSampling;

    QHash<QString, Place> places; // the layout of the last map, by node key
    qint64 latestMs = 0;

    void addStreamSample(const QByteArray &name, const StreamInfo &info, qint64 atMs,
                         bool fromStreams);
    Growth growth(const StreamRec &stream, qint64 fromMs, qint64 toMs, bool *resolvable) const;
    void resolveObservations();
};

void ServiceMapBuilder::State::addStreamSample(const QByteArray &name, const StreamInfo &info,
                                               qint64 atMs, bool fromStreams) {
    StreamRec &rec = streams[name];
    StreamSample sample;
    sample.atMs = atMs;
    sample.length = info.length;
    sample.added = info.entriesAdded;
    sample.lastId = info.lastGeneratedId;
    sample.current = info.detailsCurrent;
    rec.length = info.length;
    rec.fromStreams = fromStreams;
    if (!rec.history.isEmpty()) {
        const StreamSample &before = rec.history.constLast();
        if (atMs <= before.atMs)
            return; // not a new look (a quiet stream's figures repeated)
        const std::optional<qint64> added = addedBetween(before, sample);
        rec.rate = added
                       ? std::optional<double>(double(*added) * 1000.0 / double(atMs - before.atMs))
                       : std::nullopt;
    }
    rec.history.append(sample);
    // Enough history to resolve a write seen a minute ago, and never more than 64 looks.
    while (rec.history.size() > 64
           || (rec.history.size() > 2 && rec.history.first().atMs < atMs - 120000))
        rec.history.removeFirst();
}

Growth ServiceMapBuilder::State::growth(const StreamRec &stream, qint64 fromMs, qint64 toMs,
                                        bool *resolvable) const {
    *resolvable = false;
    // The history is in time order: the last look at or before fromMs, the first after toMs.
    const QList<StreamSample> &h = stream.history;
    const auto byTime = [](qint64 t, const StreamSample &x) { return t < x.atMs; };
    const auto firstAfterFrom = std::upper_bound(h.cbegin(), h.cend(), fromMs, byTime);
    const auto firstAfterTo = std::upper_bound(h.cbegin(), h.cend(), toMs, byTime);
    const StreamSample *before = firstAfterFrom == h.cbegin() ? nullptr : &*(firstAfterFrom - 1);
    const StreamSample *after = firstAfterTo == h.cend() ? nullptr : &*firstAfterTo;
    if (!after)
        return Growth::Unknown; // not yet: wait for the next look
    *resolvable = true;
    if (!before)
        return Growth::Unknown; // the stream was not looked at before the write: no evidence
    const std::optional<qint64> added = addedBetween(*before, *after);
    if (!added)
        return Growth::Unknown;
    return *added > 0 ? Growth::Grew : Growth::Still;
}

void ServiceMapBuilder::State::resolveObservations() {
    // What the streams did around a write, once per window: the writes seen in one sample
    // mostly share theirs.
    struct Window {
        QSet<QByteArray> grew, unknown;
        bool waiting = false;
    };
    QHash<QPair<qint64, qint64>, Window> windows;
    auto windowOf = [&](const Observation &o) -> Window { // implicitly shared: cheap
        const QPair<qint64, qint64> key{o.fromMs, o.toMs};
        if (const auto it = windows.constFind(key); it != windows.cend())
            return *it;
        // Resolvable once every stream was looked at after the write; a stream looked at
        // only since is no evidence either way.
        Window w;
        for (auto it = streams.cbegin(); it != streams.cend(); ++it) {
            bool resolvable = false;
            const Growth g = growth(*it, o.fromMs, o.toMs, &resolvable);
            if (!resolvable && !it->history.isEmpty() && it->history.constLast().atMs <= o.toMs) {
                w.waiting = true;
                break;
            }
            if (g == Growth::Grew)
                w.grew.insert(it.key());
            else if (g == Growth::Unknown)
                w.unknown.insert(it.key());
        }
        return *windows.insert(key, w);
    };
    for (ClientRec &c : clients) {
        for (qsizetype i = 0; i < c.pending.size();) {
            const Observation o = c.pending.at(i);
            const Window w = windowOf(o);
            const bool waiting = w.waiting;
            const QSet<QByteArray> &grew = w.grew;
            const QSet<QByteArray> &unknown = w.unknown;
            if (waiting && latestMs - o.toMs < 60000) {
                ++i;
                continue;
            }
            c.pending.removeAt(i);
            if (waiting || grew.isEmpty())
                continue; // it wrote, and no stream visibly grew: no evidence about streams
            ++c.observations;
            // Narrowed to the streams that grew each time it wrote (one whose growth could not
            // be told stays). Nothing left: it writes elsewhere now; start again from this write.
            QSet<QByteArray> next = c.candidates ? *c.candidates : grew;
            if (c.candidates)
                next.removeIf(
                    [&](const QByteArray &s) { return !grew.contains(s) && !unknown.contains(s); });
            if (next.isEmpty()) {
                ++c.resets;
                next = grew;
            }
            // How many of its writes each candidate grew during (for the evidence's words).
            c.support.removeIf([&](const auto &it) { return !next.contains(it.key()); });
            for (const QByteArray &s : std::as_const(next))
                if (grew.contains(s))
                    ++c.support[s];
            c.candidates = next;
        }
    }
}

const ServiceMapNode *ServiceMap::node(const QString &key) const {
    for (const ServiceMapNode &n : nodes)
        if (n.key == key)
            return &n;
    return nullptr;
}

const ServiceMapEdge *ServiceMap::edge(const QString &from, const QString &to) const {
    for (const ServiceMapEdge &e : edges)
        if (e.from == from && e.to == to)
            return &e;
    return nullptr;
}

int ServiceMap::columns() const {
    int n = 0;
    for (const ServiceMapNode &node : nodes)
        n = qMax(n, node.rank + 1);
    return n;
}

ServiceMapBuilder::ServiceMapBuilder()
    : ServiceMapBuilder(Options()) {}
ServiceMapBuilder::ServiceMapBuilder(Options options)
    : m_options(options)
    , m_state(std::make_shared<State>()) {}

void ServiceMapBuilder::addStreams(const StreamInfoList &streams, qint64 atMs) {
    State &s = *m_state;
    const qint64 at = atMs > 0 ? atMs : nowMs();
    s.latestMs = qMax(s.latestMs, at);
    s.streamsFed = true;
    s.listed.clear();
    s.unreadable = 0;
    QSet<QByteArray> seen;
    for (const StreamInfo &info : streams) {
        if (!info.noAccess.isEmpty()) {
            ++s.unreadable; // its figures are unknown: not drawn, counted in the note
            continue;
        }
        s.listed.append(info.name);
        seen.insert(info.name);
        s.addStreamSample(info.name, info, at, true);
    }
    s.streams.removeIf([&](const auto &it) { return !seen.contains(it.key()); });
    s.resolveObservations();
}

void ServiceMapBuilder::addSnapshot(const GroupSnapshot &snapshot) {
    State &s = *m_state;
    const qint64 snapAt = snapshot.atMs > 0 ? snapshot.atMs : nowMs();
    s.latestMs = qMax(s.latestMs, snapAt);
    s.streamLimit = snapshot.streamLimit;
    s.snapshotStreams.clear();
    s.groupsOf.clear();
    QSet<QByteArray> live;
    for (const StreamStatus &stream : snapshot.streams) {
        const QByteArray &name = stream.info.name;
        const qint64 at = stream.sampledAtMs > 0 ? stream.sampledAtMs : snapAt;
        // Without a stream listing (a tool that polls groups only), the snapshot's figures.
        if (!s.streamsFed)
            s.addStreamSample(name, stream.info, at, false);
        s.snapshotStreams.append(name);
        QList<QByteArray> &groups = s.groupsOf[name];
        for (const GroupStatus &g : stream.groups) {
            const QByteArray key = groupKey(name, g.name);
            live.insert(key);
            groups.append(g.name);
            State::GroupRec &rec = s.groups[key];
            if (rec.atMs > 0 && at > rec.atMs) {
                // Deliveries from entries-read (7.0+); acknowledgements are the deliveries less
                // what stayed pending. Unknown without entries-read, or when it went back (the
                // group was set to another ID).
                const GroupStatus &before = rec.status;
                const double seconds = double(at - rec.atMs) / 1000.0;
                if (g.entriesRead && before.entriesRead && *g.entriesRead >= *before.entriesRead) {
                    const qint64 delivered = *g.entriesRead - *before.entriesRead;
                    const qint64 acked = qMax<qint64>(0, delivered - (g.pending - before.pending));
                    rec.deliveries = double(delivered) / seconds;
                    rec.acks = double(acked) / seconds;
                } else {
                    rec.deliveries.reset();
                    rec.acks.reset();
                }
            }
            if (at > rec.atMs) {
                rec.status = g;
                rec.atMs = at;
            }
            rec.findings = snapshot.findings.value(key);
        }
    }
    s.groups.removeIf([&](const auto &it) { return !live.contains(it.key()); });
    if (!s.streamsFed) {
        const QSet<QByteArray> names(s.snapshotStreams.cbegin(), s.snapshotStreams.cend());
        s.streams.removeIf([&](const auto &it) { return !names.contains(it.key()); });
        s.resolveObservations();
    }
}

void ServiceMapBuilder::addClients(const ClientSample &sample) {
    State &s = *m_state;
    const qint64 at = sample.atMs > 0 ? sample.atMs : nowMs();
    s.latestMs = qMax(s.latestMs, at);
    s.notSampling.clear();
    if (!sample.unknown.isEmpty()) {
        s.clientsUnknown = sample.unknown;
        s.clients.clear();
        return;
    }
    s.clientsUnknown.clear();
    s.clientsTruncated = sample.truncated;
    s.clientsPartial = sample.partial;
    s.clientsRead = int(sample.clients.size());
    for (const ClientInfo &info : sample.clients) {
        if (isStreamScopeClient(info.name))
            continue;
        State::ClientRec &c = s.clients[info.id];
        const qint64 sinceSeen = c.lastSeenMs > 0 ? at - c.lastSeenMs : -1;
        c.name = info.name;
        c.addr = info.addr;
        c.role =
            info.name.isEmpty() ? ClientRole{"client " + info.addr, {}, {}} : clientRole(info.name);
        if (mayAddToStream(info.cmd)) {
            // A write since we last looked (or, the first time, in the last ten seconds):
            // idle is whole seconds, so the write happened in (at - idle - 1 s, at - idle];
            // half a second more for the lengths, which are stamped with their poll's start.
            const qint64 idleMs = info.idleSeconds * 1000;
            const bool fresh = sinceSeen >= 0 ? idleMs < sinceSeen : info.idleSeconds <= 10;
            if (fresh) {
                c.lastWriteMs = at - idleMs;
                c.writeCommand = info.cmd;
                if (c.pending.size() < 16)
                    c.pending.append({at - idleMs - 1500, at});
            }
        }
        c.lastSeenMs = at;
    }
    s.lastClientsAtMs = at;
    // Connections gone for longer than the window are forgotten.
    const qint64 window = m_options.producerWindowMs;
    s.clients.removeIf([&](const auto &it) { return it->lastSeenMs < at - window; });
    s.resolveObservations();
}

void ServiceMapBuilder::setProducersUnknown(const QString &why) {
    m_state->notSampling = why;
    m_state->clients.clear();
}

void ServiceMapBuilder::resetHistory() {
    State &s = *m_state;
    for (State::StreamRec &r : s.streams) {
        r.history.clear();
        r.rate.reset();
    }
    for (State::GroupRec &g : s.groups) {
        g.atMs = 0;
        g.deliveries.reset();
        g.acks.reset();
    }
    s.clients.clear();
    s.lastClientsAtMs = 0;
}

ServiceMap ServiceMapBuilder::map() const {
    State &s = *m_state;
    ServiceMap map;
    map.atMs = s.latestMs;
    const qint64 now = s.latestMs;
    const qint64 window = m_options.producerWindowMs;

    // Streams: the listing's (or, without one, the snapshot's), then any the snapshot adds.
    QList<QByteArray> streamNames = s.streamsFed ? s.listed : s.snapshotStreams;
    QSet<QByteArray> streamSet(streamNames.cbegin(), streamNames.cend());
    for (const QByteArray &name : std::as_const(s.snapshotStreams))
        if (!streamSet.contains(name)) {
            streamSet.insert(name);
            streamNames.append(name);
        }

    QList<ServiceMapNode> nodes;
    QHash<QString, qsizetype> at;
    auto addNode = [&](ServiceMapNode n) {
        at.insert(n.key, nodes.size());
        nodes.append(std::move(n));
    };
    QList<ServiceMapEdge> edges;
    for (const QByteArray &name : std::as_const(streamNames)) {
        ServiceMapNode n;
        n.kind = ServiceMapNode::Kind::Stream;
        n.key = streamKey(name);
        n.stream = name;
        n.name = name;
        const auto rec = s.streams.constFind(name);
        if (rec != s.streams.cend()) {
            n.length = rec->length;
            n.addedPerSecond = rec->rate;
        }
        addNode(n);
        for (const QByteArray &group : s.groupsOf.value(name)) {
            const auto g = s.groups.constFind(groupKey(name, group));
            if (g == s.groups.cend())
                continue;
            ServiceMapNode gn;
            gn.kind = ServiceMapNode::Kind::Group;
            gn.key = groupNodeKey(name, group);
            gn.stream = name;
            gn.name = group;
            gn.health = worstOf(g->findings);
            int problems = 0;
            for (const Finding &f : g->findings)
                if (f.kind != QLatin1String("not-evaluated") && f.severity != Severity::Ok)
                    ++problems;
            for (const Finding &f : g->findings)
                if (f.severity == gn.health && gn.health != Severity::Ok) {
                    gn.healthText = f.message;
                    gn.healthSummary = QString(f.kind).replace(QLatin1Char('-'), QLatin1Char(' '));
                    if (!f.consumer.isEmpty())
                        gn.healthSummary += QLatin1Char(' ') + QString::fromUtf8(f.consumer);
                    if (problems > 1)
                        gn.healthSummary += QStringLiteral(" (+%1 more)").arg(problems - 1);
                    break;
                }
            gn.lag = g->status.lag;
            gn.pending = g->status.pending;
            QList<ConsumerStatus> consumers = g->status.consumerList;
            std::sort(
                consumers.begin(), consumers.end(),
                [](const ConsumerStatus &a, const ConsumerStatus &b) { return a.name < b.name; });
            for (const ConsumerStatus &c : std::as_const(consumers)) {
                if (gn.consumers.size() >= m_options.maxConsumers) {
                    ++gn.consumersNotListed;
                    continue;
                }
                ServiceMapConsumer mc;
                mc.name = c.name;
                mc.pending = c.pending;
                mc.quietMs = c.quietMs();
                mc.dead =
                    std::any_of(g->findings.cbegin(), g->findings.cend(), [&](const Finding &f) {
                        return f.kind == QLatin1String("dead-consumer") && f.consumer == c.name;
                    });
                gn.consumers.append(mc);
            }
            // The server counts consumers the list may not hold (a cut-short reply).
            gn.consumersNotListed +=
                int(qMax<qint64>(0, g->status.consumers - qint64(consumers.size())));
            addNode(gn);
            ServiceMapEdge e;
            e.kind = ServiceMapEdge::Kind::Delivers;
            e.from = streamKey(name);
            e.to = gn.key;
            e.perSecond = g->deliveries;
            e.acksPerSecond = g->acks;
            edges.append(e);
        }
    }

    // Producers, by service: what each connection of the service was seen adding to (or
    // declares in its name), over the window.
    struct ProducerEdge {
        bool uncertain = true;
        QString evidence;
    };
    struct Producer {
        QByteArray service;
        QMap<QByteArray, ProducerEdge> streams;
        QSet<QByteArray> clients;
        QSet<QByteArray> instances;
    };
    QMap<QByteArray, Producer> producers;
    int tooVague = 0;
    for (const State::ClientRec &c : std::as_const(s.clients)) {
        if (c.lastSeenMs < now - window)
            continue;
        const QByteArray who = c.name.isEmpty() ? c.role.service : c.name;
        QMap<QByteArray, ProducerEdge> found;
        for (const QByteArray &d : c.role.declaredStreams)
            if (streamSet.contains(d))
                found[d] = {
                    false,
                    QStringLiteral("declared by its client name %1").arg(QString::fromUtf8(who))};
        if (c.candidates && c.lastWriteMs >= now - window
            && c.candidates->size() > m_options.maxCandidates) {
            if (found.isEmpty())
                ++tooVague;
        } else if (c.candidates && c.lastWriteMs >= now - window) {
            QList<QByteArray> candidates;
            for (const QByteArray &d : *c.candidates)
                if (streamSet.contains(d))
                    candidates.append(d);
            std::sort(candidates.begin(), candidates.end());
            const bool alone = candidates.size() == 1;
            if (candidates.size() > m_options.maxCandidates) {
                if (found.isEmpty())
                    ++tooVague;
            } else if (!alone && !found.isEmpty()) {
                // Declared: the declaration says which of the streams that grew it was.
            } else {
                for (const QByteArray &d : std::as_const(candidates)) {
                    if (found.contains(d))
                        continue;
                    const int times = c.support.value(d);
                    const QString evidence =
                        alone ? QStringLiteral("%1 seen running %2: %3 grew each time (%4)")
                                    .arg(QString::fromUtf8(who), QString::fromUtf8(c.writeCommand),
                                         QString::fromUtf8(d), countOf(times, "write", "writes"))
                              : QStringLiteral("%1 seen running %2 while %3 grew: it adds to one "
                                               "or more of them, not told apart yet")
                                    .arg(QString::fromUtf8(who), QString::fromUtf8(c.writeCommand),
                                         QString::fromUtf8(candidates.join(", ")));
                    found[d] = {!alone, evidence};
                }
            }
        }
        if (found.isEmpty())
            continue;
        Producer &p = producers[c.role.service];
        p.service = c.role.service;
        p.clients.insert(who);
        if (!c.role.instance.isEmpty())
            p.instances.insert(c.role.instance);
        for (auto it = found.cbegin(); it != found.cend(); ++it) {
            auto existing = p.streams.find(it.key());
            if (existing == p.streams.end() || (existing->uncertain && !it->uncertain))
                p.streams.insert(it.key(), it.value());
        }
    }

    // Merge a producer into the group of its name when that keeps the graph acyclic: first the
    // services whose producing connections are consumers of that group (one process that reads
    // and writes), then the others; by name within each.
    QHash<QString, QList<QString>> out; // adjacency by node key, made when a merge is tried
    auto adjacency = [&] {
        if (out.isEmpty())
            for (const ServiceMapEdge &e : std::as_const(edges))
                out[e.from].append(e.to);
    };
    auto reaches = [&](const QString &from, const QString &target) {
        QList<QString> todo{from};
        QSet<QString> seen;
        while (!todo.isEmpty()) {
            const QString k = todo.takeLast();
            if (k == target)
                return true;
            if (seen.contains(k))
                continue;
            seen.insert(k);
            todo += out.value(k);
        }
        return false;
    };
    struct MergeTry {
        int tier;
        QByteArray service;
    };
    // The streams each group name is found on, in the streams' order.
    QHash<QByteArray, QList<QByteArray>> streamsOfGroup;
    for (const QByteArray &stream : std::as_const(streamNames))
        for (const QByteArray &group : s.groupsOf.value(stream))
            if (producers.contains(group))
                streamsOfGroup[group].append(stream);
    QList<MergeTry> tries;
    for (const Producer &p : std::as_const(producers)) {
        bool consumerProduces = false;
        for (const QByteArray &stream : streamsOfGroup.value(p.service)) {
            const State::GroupRec &g = s.groups[groupKey(stream, p.service)];
            for (const ConsumerStatus &c : g.status.consumerList)
                consumerProduces = consumerProduces || p.instances.contains(c.name);
        }
        tries.append({consumerProduces ? 0 : 1, p.service});
    }
    std::sort(tries.begin(), tries.end(), [](const MergeTry &a, const MergeTry &b) {
        return a.tier != b.tier ? a.tier < b.tier : a.service < b.service;
    });
    QList<QByteArray> unmerged;
    int producersDrawn = 0, producersHidden = 0;
    for (const MergeTry &t : std::as_const(tries)) {
        const Producer &p = producers[t.service];
        QString mergedInto;
        for (const QByteArray &stream : streamsOfGroup.value(p.service)) {
            adjacency();
            const QString g = groupNodeKey(stream, p.service);
            bool cycle = false;
            for (auto it = p.streams.cbegin(); it != p.streams.cend() && !cycle; ++it)
                cycle = reaches(streamKey(it.key()), g);
            if (!cycle) {
                mergedInto = g;
                break;
            }
        }
        if (mergedInto.isEmpty()) {
            unmerged.append(t.service);
            continue;
        }
        ServiceMapNode &g = nodes[at.value(mergedInto)];
        g.alsoProduces = true;
        g.inferred = true;
        g.clients = p.clients.values();
        std::sort(g.clients.begin(), g.clients.end());
        for (auto it = p.streams.cbegin(); it != p.streams.cend(); ++it) {
            out[mergedInto].append(streamKey(it.key())); // made by the try above
            ServiceMapEdge e;
            e.kind = ServiceMapEdge::Kind::Produces;
            e.from = mergedInto;
            e.to = streamKey(it.key());
            e.perSecond = s.streams.value(it.key()).rate;
            e.inferred = true;
            e.uncertain = it->uncertain;
            e.evidence = it->evidence;
            edges.append(e);
        }
        ++producersDrawn;
    }
    std::sort(unmerged.begin(), unmerged.end());
    for (const QByteArray &service : std::as_const(unmerged)) {
        if (producersDrawn >= m_options.maxProducers) {
            ++producersHidden;
            continue;
        }
        ++producersDrawn;
        const Producer &p = producers[service];
        ServiceMapNode n;
        n.kind = ServiceMapNode::Kind::Producer;
        n.key = producerKey(service);
        n.name = service;
        n.inferred = true;
        n.clients = p.clients.values();
        std::sort(n.clients.begin(), n.clients.end());
        addNode(n);
        for (auto it = p.streams.cbegin(); it != p.streams.cend(); ++it) {
            ServiceMapEdge e;
            e.kind = ServiceMapEdge::Kind::Produces;
            e.from = n.key;
            e.to = streamKey(it.key());
            e.perSecond = s.streams.value(it.key()).rate;
            e.inferred = true;
            e.uncertain = it->uncertain;
            e.evidence = it->evidence;
            edges.append(e);
        }
    }

    // Layout: rank by the longest path, never less than the kind's column (producers 0, streams
    // 1, groups 2) nor than the node's rank in the last map (nodes do not move left by
    // themselves); a node moves right only when an edge forces it.
    const qsizetype count = nodes.size();
    const auto n_ = static_cast<size_t>(count);
    std::vector<std::vector<qsizetype>> incoming(n_), outgoing(n_);
    std::vector<int> indegree(n_, 0);
    for (const ServiceMapEdge &e : std::as_const(edges)) {
        const qsizetype from = at.value(e.from), to = at.value(e.to);
        incoming[size_t(to)].push_back(from);
        outgoing[size_t(from)].push_back(to);
        ++indegree[size_t(to)];
    }
    std::vector<qsizetype> topo;
    topo.reserve(size_t(count));
    for (qsizetype i = 0; i < count; ++i)
        if (indegree[size_t(i)] == 0)
            topo.push_back(i);
    for (size_t k = 0; k < topo.size(); ++k) // Kahn's order: topo grows as nodes come free
        for (const qsizetype to : outgoing[size_t(topo[k])])
            if (--indegree[size_t(to)] == 0)
                topo.push_back(to);
    auto kindRank = [](ServiceMapNode::Kind k) {
        return k == ServiceMapNode::Kind::Producer ? 0 : k == ServiceMapNode::Kind::Stream ? 1 : 2;
    };
    std::vector<const State::Place *> before(n_, nullptr);
    for (qsizetype i = 0; i < count; ++i)
        if (const auto p = s.places.constFind(nodes.at(i).key); p != s.places.cend())
            before[size_t(i)] = &*p;
    for (const qsizetype i : topo) {
        ServiceMapNode &n = nodes[i];
        int rank = kindRank(n.kind);
        if (before[size_t(i)])
            rank = qMax(rank, before[size_t(i)]->rank);
        for (const qsizetype from : incoming[size_t(i)])
            rank = qMax(rank, nodes.at(from).rank + 1);
        n.rank = rank;
    }
    // Order: a node that keeps its column keeps its row; the others come after, by name.
    QHash<int, int> nextOrder;
    QList<qsizetype> placed;
    for (qsizetype i = 0; i < count; ++i) {
        ServiceMapNode &n = nodes[i];
        const State::Place *p = before[size_t(i)];
        if (p && p->rank == n.rank) {
            n.order = p->order;
            nextOrder[n.rank] = qMax(nextOrder.value(n.rank), p->order + 1);
        } else {
            placed.append(i);
        }
    }
    // A stream's groups together, in the stream's order; producers by name.
    auto sortKey = [&](qsizetype i) {
        const ServiceMapNode &n = nodes.at(i);
        const QByteArray &first = n.kind == ServiceMapNode::Kind::Producer ? n.name : n.stream;
        return std::tuple<int, const QByteArray &, const QByteArray &>(n.rank, first, n.name);
    };
    std::sort(placed.begin(), placed.end(),
              [&](qsizetype a, qsizetype b) { return sortKey(a) < sortKey(b); });
    for (const qsizetype i : std::as_const(placed)) {
        ServiceMapNode &n = nodes[i];
        n.order = nextOrder.value(n.rank);
        nextOrder[n.rank] = n.order + 1;
    }
    before.clear(); // points into places
    s.places.clear();
    s.places.reserve(count);
    for (const ServiceMapNode &n : std::as_const(nodes))
        s.places.insert(n.key, {n.rank, n.order});
    std::sort(nodes.begin(), nodes.end(), [](const ServiceMapNode &a, const ServiceMapNode &b) {
        return a.rank != b.rank ? a.rank < b.rank : a.order < b.order;
    });
    map.nodes = nodes;
    map.edges = edges;

    // What limits the picture, in words.
    const QString windowText = formatDuration(window);
    if (!s.notSampling.isEmpty()) {
        map.producersNote = QStringLiteral("Producers not shown: %1.").arg(s.notSampling);
    } else if (!s.clientsUnknown.isEmpty()) {
        map.producersNote = QStringLiteral("Producers unknown: %1.").arg(s.clientsUnknown);
    } else if (s.lastClientsAtMs == 0) {
        map.producersNote = QStringLiteral("Producers: waiting for the first CLIENT LIST.");
    } else {
        QStringList parts;
        // Short: it stays under the map. How each producer was inferred is in its arrow's
        // tooltip (the evidence). The view draws inferred arrows dashed, uncertain ones dotted.
        parts << QStringLiteral(
                     "Producers (dashed) are inferred from CLIENT LIST over the last %1: "
                     "connections whose last command (XADD, a script or a transaction) ran while "
                     "a stream grew; dotted: not yet told which stream. A consumer that also "
                     "writes shows when its client name says so (SERVICE>STREAM).")
                     .arg(windowText);
        if (s.clientsTruncated)
            parts << QStringLiteral("Only the first %1 were read: more are connected.")
                         .arg(countOf(s.clientsRead, "client", "clients"));
        if (!s.clientsPartial.isEmpty())
            parts << s.clientsPartial + QLatin1Char('.');
        if (tooVague)
            parts << QStringLiteral("%1 while more than %2 streams grew: not drawn until told "
                                    "apart.")
                         .arg(countOf(tooVague, "connection wrote", "connections wrote"))
                         .arg(m_options.maxCandidates);
        if (producersHidden)
            parts << QStringLiteral("%1 not drawn (at most %2).")
                         .arg(countOf(producersHidden, "producer", "producers"))
                         .arg(m_options.maxProducers);
        map.producersNote = parts.join(QLatin1Char(' '));
    }
    QStringList limits;
    if (s.streamLimit > 0)
        limits << QStringLiteral("Only %1 are watched (the first, or those in view in the stream "
                                 "list): more match.")
                      .arg(countOf(s.streamLimit, "stream", "streams"));
    if (s.unreadable > 0)
        limits << QStringLiteral("%1 you may not read not shown.")
                      .arg(countOf(s.unreadable, "stream", "streams"));
    map.limitNote = limits.join(QLatin1Char(' '));
    return map;
}

} // namespace streamscope
