#pragma once

#include "ConnectionSettings.h"
#include "GroupConsumer.h"

#include <QCommandLineParser>

#include <functional>
#include <memory>

namespace streamscope::shop {

// The options every shop service takes: --url and the consumer's knobs and fault switches.
void addCommonOptions(QCommandLineParser &parser, bool consumer);
Result<ConnectionSettings> settingsFrom(const QCommandLineParser &parser,
                                        const QString &clientName);
// Fills the knobs of options from the parser (stream, group and consumer are the caller's).
Error applyConsumerOptions(const QCommandLineParser &parser, GroupConsumer::Options *options);
// What a consumer service does once its options are parsed: connection settings, the
// consumer's knobs, the log, the stop signals, the handler (made by makeHandler, which may
// fail, e.g. when its database cannot be opened), then the consumer loop. Returns the exit code.
// The consumer's connection is named "SERVICE:CONSUMER", plus ">STREAM" when its handler adds
// to a stream (payment-service: "payment-service:payments-1>payment-events"): StreamScope's
// service map then tells whose consumer it is and what it produces (a consumer blocked in
// XREADGROUP between its writes is never seen writing in CLIENT LIST).
struct ConsumerService {
    QString name; // "payment-service"
    QByteArray stream;
    QByteArray group;
    QString consumer;
    QByteArray produces = {}; // the stream its handler adds to, if any
};
int runConsumerService(
    const QCommandLineParser &parser, const ConsumerService &service,
    const std::function<Result<std::unique_ptr<MessageHandler>>(const ServiceLog &)> &makeHandler);

// Parses, prints help or the usage error; returns -1 to go on, or the exit code.
int parseOrExit(QCommandLineParser &parser, const QStringList &args);

} // namespace streamscope::shop
