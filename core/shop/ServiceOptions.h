#pragma once

#include "ConnectionSettings.h"
#include "GroupConsumer.h"

#include <QCommandLineParser>

namespace streamscope::shop {

// The options every shop service takes: --url and the consumer's knobs and fault switches.
void addCommonOptions(QCommandLineParser &parser, bool consumer);
Result<ConnectionSettings> settingsFrom(const QCommandLineParser &parser,
                                        const QString &clientName);
// Fills the knobs of options from the parser (stream, group and consumer are the caller's).
Error applyConsumerOptions(const QCommandLineParser &parser, GroupConsumer::Options *options);
// Parses, prints help or the usage error; returns -1 to go on, or the exit code.
int parseOrExit(QCommandLineParser &parser, const QStringList &args);

} // namespace streamscope::shop
