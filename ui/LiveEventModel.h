#pragma once

#include "PackedRows.h"
#include "StreamEntry.h"

#include <QAbstractTableModel>
#include <QTimer>

namespace streamscope {

// The live event table: raw entries, formatted in data(). Batches from the reader are packed
// as they come (PackedRows: about 32 bytes a row beside the entry's own bytes, no allocation per
// row) and shown by one coalescing timer (at most ~30 flushes/s), one beginInsertRows per flush.
// Bounded: past the cap the oldest rows are dropped, with one beginRemoveRows per flush, whole
// chunks freed and nothing shifted.
class LiveEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, StreamColumn, IdColumn, FieldsColumn, ColumnCount };
    enum Role { EntryRole = Qt::UserRole + 1, StreamNameRole };
    static constexpr int defaultRowCap = 1000000;

    explicit LiveEventModel(QObject *parent = nullptr);

    void setRowCap(int cap);
    int rowCap() const { return m_cap; }
    qint64 droppedRows() const { return m_dropped; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // The entry of a row, unpacked (a copy: rows are not kept as StreamEntry).
    StreamEntry entry(int row) const { return m_rows.entry(row); }
    StreamId id(int row) const { return m_rows.id(row); }
    const QByteArray &stream(int row) const { return m_rows.stream(row); }
    // The rows, packed; those past rowCount() are not shown yet.
    const PackedRows &rows() const { return m_rows; }
    // How many rows were ever dropped before row 0: row r is the (rowNumber(0) + r)-th row this
    // model held since the last clear(). Lets a filter follow rows without storing indexes.
    qint64 rowNumber(int row) const { return m_firstNumber + row; }
    // What the rows take in memory (headers and buffers), for benchmarks and tests.
    qsizetype heldBytes() const { return m_rows.heldBytes(); }

    void appendBatch(const streamscope::StreamEntryList &batch);
    // Appends rows already packed (the entries held back while the view was paused).
    void appendRows(const PackedRows &rows);
    void clear();
    // Applies what is buffered now (tests; the timer does it otherwise).
    void flush();

Q_SIGNALS:
    // After each flush: how many rows came in. Views use it to follow the tail.
    void flushed(int inserted);

private:
    void pendingAdded();

    PackedRows m_rows; // rows shown, then rows pending (not announced yet)
    int m_shown = 0;   // rows announced to views
    qint64 m_firstNumber = 0;
    QTimer m_flushTimer;
    int m_cap = defaultRowCap;
    qint64 m_dropped = 0;
};

} // namespace streamscope
