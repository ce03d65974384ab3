import { z } from 'zod';
import {
  Limits,
  type ReportRequest,
  type ReportResolveRequest,
  type ReportsListRequest,
} from '../../../../common/contract.js';
import { cursor } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';
import * as reports from '../../moderation/reports.js';

// Members report messages to the people who run the room (its owner and moderators, and the
// operators); those see them live on every node (through their user rooms), list the open
// and the resolved ones, and resolve them.

export const reportSchema = z.object({
  room: z.string(),
  id: cursor,
  reason: z.string().trim().min(1).max(Limits.reasonMaxLength),
}) satisfies z.ZodType<ReportRequest>;

export const reportsListSchema = z.object({
  room: z.string(),
  open: z.boolean().optional(),
}) satisfies z.ZodType<ReportsListRequest>;

export const reportResolveSchema = z.object({
  room: z.string(),
  reportId: cursor,
}) satisfies z.ZodType<ReportResolveRequest>;

export const reportMessage: EventHandler<'message:report'> = {
  schema: reportSchema,
  handle: reports.reportMessage,
};

export const listReports: EventHandler<'reports:list'> = {
  schema: reportsListSchema,
  handle: reports.listReports,
};

export const resolveReport: EventHandler<'report:resolve'> = {
  schema: reportResolveSchema,
  handle: reports.resolveReport,
};
