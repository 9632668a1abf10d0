import {z} from 'zod';
import {cidr, isIPv4, isIPv6} from '../util/validate.js';

/** One IPv4 or IPv6 address, nothing else (no prefix, no port, no host name). */
export const ipOnly = z
  .string()
  .max(64)
  .refine((s) => isIPv4(s) || isIPv6(s), 'an IPv4 or IPv6 address');

/** An address or a network in CIDR form (10.0.0.0/8, 2001:db8::/32). */
export const addressOrNetwork = z
  .string()
  .max(64)
  .refine((s) => {
    if (isIPv4(s) || isIPv6(s)) return true;
    try {
      cidr(s);
      return true;
    } catch {
      return false;
    }
  }, 'an IPv4 or IPv6 address or network (like 203.0.113.7 or 10.0.0.0/8)');
