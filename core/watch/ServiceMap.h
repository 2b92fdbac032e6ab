#pragma once

// The service map: the event-driven system as the architecture diagram draws it, built from
// what the pollers see. Producers (inferred from CLIENT LIST) on the left, streams in the
// middle, consumer groups with their consumers on the right; a service that both consumes (a
// group) and produces (a client of the same name) is one node, so the shop reads
// order-service -> order-events -> payment-service -> payment-events -> order-service /
// notification-service. No widgets: the layout (rank, order) is decided here, so that it is
// stable and testable without a display; ui/ServiceMapView only draws it.

#include "Freshness.h"
#include "GroupPoller.h"
#include "Health.h"

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QString>

#include <memory>
#include <optional>

namespace streamscope {

// One client from CLIENT LIST, the fields the map needs.
struct ClientInfo {
    qint64 id = 0;
    QByteArray name; // CLIENT SETNAME ("" unnamed)
    QByteArray cmd;  // the last command, lower case ("xadd", "xreadgroup", "evalsha", ...)
    qint64 idleSeconds = 0;
    qint64 ageSeconds = 0;
    QByteArray addr;
};
// One CLIENT LIST (on a cluster: every primary's, joined), bounded by the sampler.
struct ClientSample {
    QList<ClientInfo> clients;
    qint64 atMs = 0;
    bool truncated = false; // more clients than were parsed
    QString unknown;        // why there is no sample (the ACL user may not run CLIENT LIST)
    // Not empty when part of the deployment was not sampled ("cluster node H:P did not answer")
    // or what was sampled cannot see the producers (a replica: they write to its primary).
    QString partial;
};

// What a client's name says about it. The convention (documented in the README):
//   SERVICE[:INSTANCE][>STREAM[,STREAM...]]
// "payment-service:payments-1" is instance payments-1 of service payment-service (the shop
// names its consumers' connections SERVICE:CONSUMER); the optional ">STREAM,..." declares the
// streams the connection adds to ("payment-service:payments-1>payment-events"), for a producer
// that cannot be seen adding (a consumer blocked in XREADGROUP between its writes shows
// cmd=xreadgroup in every CLIENT LIST). An unnamed client is its address.
struct ClientRole {
    QByteArray service;
    QByteArray instance;
    QList<QByteArray> declaredStreams;
};
ClientRole clientRole(const QByteArray &clientName);
// StreamScope's own connections ("streamscope", "streamscope-poll", ...): never producers.
bool isStreamScopeClient(const QByteArray &clientName);
// A last command that may have added to a stream: xadd, or a script or transaction that may
// (eval, evalsha, fcall, exec).
bool mayAddToStream(const QByteArray &command);
// Parses a CLIENT LIST reply (one client a line), at most maxClients of them; sets truncated
// when there were more.
ClientSample parseClientList(const QByteArray &reply, int maxClients, qint64 atMs);

struct ServiceMapConsumer {
    QByteArray name;
    qint64 pending = 0;
    qint64 quietMs = 0; // ConsumerStatus::quietMs()
    bool dead = false;  // a dead-consumer finding names it
};

struct ServiceMapNode {
    enum class Kind { Producer, Stream, Group };
    Kind kind = Kind::Stream;
    // Stable key, the same from one update to the next: "producer:NAME", "stream:NAME",
    // "group:STREAM\x1fGROUP" (a merged service node keeps its group's key).
    QString key;
    QByteArray stream; // Stream and Group nodes
    QByteArray name;   // the producer's client name, the stream's or the group's name
    // A Group node merged with the producer of the same name (a service that consumes and
    // produces); its outgoing Produces edges start from it.
    bool alsoProduces = false;
    bool inferred = false; // Producer: inferred from CLIENT LIST, never certain
    int rank = 0;          // column, left to right
    int order = 0;         // row within the column, stable between updates
    // Group: its health (the worst finding) and the finding's message, lag and pending.
    Severity health = Severity::Ok;
    QString healthText;
    // The same in a few words, for the line drawn in the node (healthText, whole, is in its
    // tooltip): "dead consumer payments-2", "lagging group (+1 more)".
    QString healthSummary;
    std::optional<qint64> lag; // unknown: nullopt
    qint64 pending = 0;
    QList<ServiceMapConsumer> consumers;
    int consumersNotListed = 0; // more consumers than the builder lists (Options::maxConsumers)
    // Stream: its length, and entries/s into it over the last two looks (nullopt: unknown, e.g.
    // on the first look; never 0 in its place). Produces edges carry the same figure.
    qint64 length = 0;
    std::optional<double> addedPerSecond;
    // Producer (or a merged group): the clients that make it up ("payment-service:payments-1"),
    // sorted, bounded.
    QList<QByteArray> clients;
};

struct ServiceMapEdge {
    enum class Kind {
        Produces, // producer (or service) -> stream: entries/s into the stream
        Delivers, // stream -> group: deliveries/s and acks/s
    };
    Kind kind = Kind::Delivers;
    QString from, to; // node keys
    // Live rates over the last updates; nullopt when unknown (first sample, the server does
    // not say: entries-read is 7.0+), never 0 in its place.
    std::optional<double> perSecond;     // Produces: entries added; Delivers: deliveries
    std::optional<double> acksPerSecond; // Delivers only
    bool inferred = false;               // Produces edges always are
    // Produces: the producer was seen writing while this stream and others grew, and the
    // samples have not told them apart yet: it adds to one or more of them (draw it dashed).
    bool uncertain = false;
    // Produces: how it was inferred, one line for a tooltip ("seen running evalsha in 6 samples,
    // each time order-events grew", "declared by its client name ...").
    QString evidence;
};

struct ServiceMap {
    QList<ServiceMapNode> nodes;
    QList<ServiceMapEdge> edges;
    qint64 atMs = 0;
    // Why no producers are drawn, or what limits them ("producers inferred from CLIENT LIST
    // over the last 30 s", "no permission to run CLIENT LIST: ..."); shown under the map.
    QString producersNote;
    // Streams watched out of those that exist (the poller's limit): "" when all are shown.
    QString limitNote;
    const ServiceMapNode *node(const QString &key) const;
    const ServiceMapEdge *edge(const QString &from, const QString &to) const;
    int columns() const; // highest rank + 1
};

// Builds the map from the poller's snapshots and client samples, keeping each node's place
// (rank, order) from one update to the next: a node only moves when the graph's shape forces
// it, new nodes are placed after the existing ones of their column.
class ServiceMapBuilder {
public:
    struct Options {
        qint64 producerWindowMs = 30000; // a client counts as a producer this long after seen
        int maxProducers = 200;          // bound on producer nodes drawn
        int maxConsumers = 50;           // consumers listed per group (the rest counted)
        int maxCandidates = 3;           // a producer with more candidate streams draws no edge yet
    };
    ServiceMapBuilder();
    explicit ServiceMapBuilder(Options options);

    void addSnapshot(const GroupSnapshot &snapshot);
    // Lengths and entries-added between polls, as of atMs (0: now); the list is every watched
    // stream (one that is not in it is gone).
    void addStreams(const StreamInfoList &streams, qint64 atMs = 0);
    void addClients(const ClientSample &sample);
    // No CLIENT LIST sampling (the poller does not sample, e.g. the map is not shown): why.
    void setProducersUnknown(const QString &why);
    // Forget the rates' and producers' history (after a reconnect nothing carries over);
    // the layout is kept.
    void resetHistory();
    ServiceMap map() const;

private:
    struct State;
    Options m_options;
    std::shared_ptr<State> m_state;
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ClientSample)
Q_DECLARE_METATYPE(streamscope::ServiceMap)
