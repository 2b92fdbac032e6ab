#pragma once

#include "Error.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QList>
#include <QMetaType>

class QCommandLineParser;
class QSettings;

namespace streamscope {

// Which events make up one flow: a start event and an end event (completed or failed),
// correlated by a key field. Start and end may be on two streams (the shop: order-events ->
// payment-events) or on one, told apart by the type field (BullMQ's bull:QUEUE:events: added ->
// completed/failed). The shop's names are only the defaults.
struct FlowConfig {
    QByteArray startStream = "order-events";
    QByteArray endStream = "payment-events";
    QByteArray keyField = "orderId";
    QByteArray typeField = "type";
    QByteArray startType = "order.created";         // empty: any entry of startStream
    QByteArray completedType = "payment.completed"; // empty: any end entry that is not failed
    QByteArray failedType = "payment.failed";       // one type or several "a,b"; empty: never fail
    qint64 waitingThresholdMs = 30000;
    int maxOpenFlows = 500000; // beyond this the oldest waiting flows are no longer tracked

    // failedType split at its commas (empty parts dropped).
    QList<QByteArray> failedTypes() const;
    bool isFailedType(const QByteArray &type) const;
    bool sameStream() const { return startStream == endStream; }
    // The streams to read: the start stream, then the end stream when it is another one.
    QList<QByteArray> streams() const;
    // The same flows (streams, key, types): only the threshold or the bound may differ.
    bool sameFlows(const FlowConfig &o) const;
    // Why this configuration cannot find flows, in words for the form ("" when it can).
    QString problem() const;

    bool operator==(const FlowConfig &o) const;
    bool operator!=(const FlowConfig &o) const { return !(*this == o); }
};

// The "flow" group of the preferences (keys startStream, endStream, keyField, typeField,
// startType, completedType, failedType, waitingThresholdMs).
bool hasSavedFlowConfig(QSettings &settings);
// What is saved, over defaults for any key not saved.
FlowConfig loadFlowConfig(QSettings &settings, const FlowConfig &defaults = {});
// Writes the group and syncs it to disk at once (a killed app keeps it).
void saveFlowConfig(QSettings &settings, const FlowConfig &config);

// The command line: --flow-start STREAM:TYPE, --flow-end STREAM:TYPE[,TYPE...], --flow-key FIELD,
// --flow-type-field FIELD. The type follows the LAST colon (stream names such as
// bull:myqueue:events have colons of their own); "STREAM:" takes any entry of the stream. Of the
// end types the first is the completed one and the others are failures.
QList<QCommandLineOption> flowOptions();
bool anyFlowOptionSet(const QCommandLineParser &parser);
// base with the flags given applied over it; an InvalidArgument error naming the flag and the
// form it wants for a malformed value, or when the result cannot find flows (see problem()).
Result<FlowConfig> flowConfigFromOptions(const QCommandLineParser &parser, const FlowConfig &base);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::FlowConfig)
